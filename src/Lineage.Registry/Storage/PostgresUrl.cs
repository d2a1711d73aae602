using Npgsql;

namespace Lineage.Registry.Storage;

/// <summary>Reads <c>postgres://user:password@host:port/database?sslmode=require</c> (the form managed services hand
/// out) into an Npgsql connection string.</summary>
public static class PostgresUrl
{
    /// <param name="description">host, port and database, for messages (the password never appears in one).</param>
    public static string ToConnectionString(string url, out string description)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("postgres" or "postgresql"))
            throw new ArgumentException("--database must be a postgres://USER:PASSWORD@HOST:PORT/DATABASE URL (omit it for SQLite in --data)");
        var database = uri.AbsolutePath.Trim('/');
        if (database.Length == 0) throw new ArgumentException("--database: the postgres:// URL names no database (…/DATABASE)");
        var b = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host, Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port, Database = Uri.UnescapeDataString(database),
            Pooling = true, Timeout = 15, CommandTimeout = 60,
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            b.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2) b.Password = Uri.UnescapeDataString(parts[1]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var (key, value) = (Uri.UnescapeDataString(kv[0]), kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "");
            if (key == "sslmode") b.SslMode = Enum.TryParse<SslMode>(value, ignoreCase: true, out var mode) ? mode
                : throw new ArgumentException($"--database: sslmode={value} is not one of {string.Join(", ", Enum.GetNames<SslMode>()).ToLowerInvariant()}");
            else if (key == "host") b.Host = value;   // a Unix socket folder: postgres:///db?host=/var/run/postgresql
            else throw new ArgumentException($"--database: unknown URL parameter {key} (known: sslmode, host)");
        }
        if (string.IsNullOrEmpty(b.Host)) throw new ArgumentException("--database: the postgres:// URL names no host");
        description = $"postgresql {b.Host}:{b.Port}/{b.Database}";
        return b.ConnectionString;
    }
}
