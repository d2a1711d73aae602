using System.Reflection;
using Lineage.Registry.Storage;
using Npgsql;
using Xunit.Sdk;

namespace Lineage.Tests.Registry;

/// <summary>
/// The PostgreSQL server the registry's tests also run against, named by LINEAGE_TEST_POSTGRES
/// (postgres://USER@HOST:PORT/DATABASE; .ci/run starts one). Each test gets a database of its own, dropped afterwards,
/// so tests never see each other's tenants.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "LINEAGE_TEST_POSTGRES";
    public static string? Url => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } url ? url : null;

    /// <summary>A fresh, empty database on the test server; its postgres:// URL.</summary>
    public static string CreateDatabase()
    {
        var name = "lineage_t_" + Guid.NewGuid().ToString("N")[..16];
        using (var c = Admin()) using (var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c)) cmd.ExecuteNonQuery();
        var uri = new UriBuilder(Url!) { Path = "/" + name };
        return uri.Uri.ToString();
    }

    public static void DropDatabase(string url)
    {
        var name = new Uri(url).AbsolutePath.Trim('/');
        if (!name.StartsWith("lineage_t_", StringComparison.Ordinal)) throw new ArgumentException($"not a test database: {name}");
        NpgsqlConnection.ClearAllPools();
        using var c = Admin();
        using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", c);
        cmd.ExecuteNonQuery();
    }

    static NpgsqlConnection Admin()
    {
        var c = new NpgsqlConnection(PostgresUrl.ToConnectionString(Url ?? throw new InvalidOperationException($"{Variable} is not set"), out _));
        c.Open();
        return c;
    }

    /// <summary>"sqlite" → null (SQLite in the data directory); "postgres" → a fresh test database's URL.</summary>
    public static string? DatabaseFor(string kind) => kind switch
    {
        "sqlite" => null,
        "postgres" => CreateDatabase(),
        _ => throw new ArgumentException($"unknown database kind {kind}"),
    };
}

/// <summary>Runs a theory once more with "postgres", or shows that case as SKIPPED with the reason when no server is configured.</summary>
public sealed class PostgresDataAttribute : DataAttribute
{
    public PostgresDataAttribute()
    {
        if (TestPostgres.Url is null)
            Skip = $"no PostgreSQL server: set {TestPostgres.Variable}=postgres://USER@HOST:PORT/DATABASE (a role that may create databases); .ci/run starts one";
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [["postgres"]];
}
