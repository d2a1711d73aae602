using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Lineage.Registry.Storage;

public enum SqlDialect { Sqlite, Postgres }

/// <summary>
/// Where the registry's rows live: an SQLite file under the data directory (the default: nothing to install), or a
/// PostgreSQL server named by a <c>postgres://</c> URL. Both run the same SQL; the few statements that differ (the job
/// claim) ask <see cref="Dialect"/>.
/// </summary>
public sealed class RegistryDatabase
{
    readonly string connectionString;
    public SqlDialect Dialect { get; }
    /// <summary>Where it is, for messages: the SQLite file, or the PostgreSQL host and database (never the password).</summary>
    public string Description { get; }

    RegistryDatabase(SqlDialect dialect, string connectionString, string description)
    {
        Dialect = dialect; this.connectionString = connectionString; Description = description;
    }

    /// <param name="database">null for SQLite in <paramref name="dataDir"/>; a postgres:// or postgresql:// URL for PostgreSQL.</param>
    public static RegistryDatabase Open(string dataDir, string? database)
    {
        RegistryDatabase db;
        if (database is null)
        {
            Directory.CreateDirectory(dataDir);
            var file = Path.Combine(Path.GetFullPath(dataDir), "registry.db");
            var builder = new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 };
            db = new RegistryDatabase(SqlDialect.Sqlite, builder.ToString(), file);
        }
        else db = new RegistryDatabase(SqlDialect.Postgres, PostgresUrl.ToConnectionString(database, out var where), where);
        try { Migrations.Apply(db); }
        catch (Exception e) when (e is DbException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new IOException($"registry database {db.Description}: {e.Message}", e);
        }
        return db;
    }

    /// <summary>An open connection. SQLite gets WAL (readers never wait for the writer), a busy timeout (a second
    /// process's writer waits instead of failing), full sync (a committed row survives power loss) and foreign keys.</summary>
    public DbConnection Connect()
    {
        if (Dialect == SqlDialect.Postgres)
        {
            var pg = new NpgsqlConnection(connectionString);
            pg.Open();
            return pg;
        }
        var c = new SqliteConnection(connectionString);
        c.Open();
        using var pragma = c.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
        pragma.ExecuteNonQuery();
        return c;
    }

    /// <summary>A transaction that takes the write lock at once on SQLite (BEGIN IMMEDIATE), so two processes that read
    /// then write (a job claim) serialise instead of one failing at its first write.</summary>
    public static DbTransaction BeginWrite(DbConnection connection) => connection switch
    {
        SqliteConnection s => s.BeginTransaction(deferred: false),
        _ => connection.BeginTransaction(IsolationLevel.ReadCommitted),
    };
}

/// <summary>Parameter helpers: every value goes in as a parameter, never into the SQL text.</summary>
public static class Sql
{
    public static DbCommand Command(this DbConnection c, string sql, DbTransaction? tx = null, params (string Name, object? Value)[] args)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach (var (name, value) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    public static int Execute(this DbConnection c, string sql, DbTransaction? tx = null, params (string, object?)[] args)
    {
        using var cmd = c.Command(sql, tx, args);
        return cmd.ExecuteNonQuery();
    }

    public static object? Scalar(this DbConnection c, string sql, DbTransaction? tx = null, params (string, object?)[] args)
    {
        using var cmd = c.Command(sql, tx, args);
        var v = cmd.ExecuteScalar();
        return v is DBNull ? null : v;
    }

    public static List<T> Query<T>(this DbConnection c, string sql, Func<DbDataReader, T> map, DbTransaction? tx = null, params (string, object?)[] args)
    {
        using var cmd = c.Command(sql, tx, args);
        using var r = cmd.ExecuteReader();
        var list = new List<T>();
        while (r.Read()) list.Add(map(r));
        return list;
    }

    public static string? Text(this DbDataReader r, string column) { int i = r.GetOrdinal(column); return r.IsDBNull(i) ? null : r.GetString(i); }
    public static long? Long(this DbDataReader r, string column) { int i = r.GetOrdinal(column); return r.IsDBNull(i) ? null : Convert.ToInt64(r.GetValue(i)); }
    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
