using System.Data.Common;

namespace Lineage.Registry.Storage;

/// <summary>
/// The schema as numbered steps, each applied once in its own transaction and recorded in <c>schema_migrations</c>,
/// so a registry created by an older build upgrades in place and a crash mid-upgrade leaves the last complete
/// version. The SQL is the common subset of SQLite and PostgreSQL (TEXT ids, BIGINT milliseconds since 1970), so
/// both run the same schema. Servers and workers starting together race safely: SQLite's write lock or
/// PostgreSQL's advisory lock lets one apply while the others wait and then find nothing left to do.
/// </summary>
public static class Migrations
{
    public sealed record Step(int Version, string Name, string[] Statements);

    public static readonly IReadOnlyList<Step> Steps =
    [
        new(1, "tenants, keys, models, scans",
        [
            """
            CREATE TABLE tenants (
              id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_ms BIGINT NOT NULL,
              rate_per_minute INTEGER, query_budget BIGINT, queries_used BIGINT NOT NULL DEFAULT 0)
            """,
            """
            CREATE TABLE api_keys (
              key_hash TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
              prefix TEXT NOT NULL, created_ms BIGINT NOT NULL)
            """,
            """
            CREATE TABLE models (
              id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
              name TEXT NOT NULL, version TEXT NOT NULL, source_hash TEXT NOT NULL, file_sha256 TEXT NOT NULL,
              file_name TEXT NOT NULL, is_bundle INTEGER NOT NULL, methods TEXT NOT NULL, query_count BIGINT NOT NULL,
              classes INTEGER NOT NULL, created_ms BIGINT NOT NULL, UNIQUE (tenant_id, name, version))
            """,
            """
            CREATE TABLE scans (
              id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
              status TEXT NOT NULL, suspect_name TEXT NOT NULL, suspect_url TEXT, suspect_sha256 TEXT,
              options_json TEXT NOT NULL, model_ids TEXT NOT NULL, reserved_queries BIGINT NOT NULL,
              created_ms BIGINT NOT NULL, started_ms BIGINT, finished_ms BIGINT, attempts INTEGER NOT NULL DEFAULT 0,
              lease_owner TEXT, lease_token TEXT, lease_expires_ms BIGINT,
              result_json TEXT, evidence_sha256 TEXT, error TEXT, error_kind TEXT, queries_spent BIGINT)
            """,
            "CREATE INDEX scans_queue ON scans (status, created_ms)",
            "CREATE INDEX scans_by_tenant ON scans (tenant_id, created_ms)",
            "CREATE INDEX models_by_tenant ON models (tenant_id, name)",
        ]),
    ];

    public static int Latest => Steps[^1].Version;

    public static void Apply(RegistryDatabase db)
    {
        using var c = db.Connect();
        c.Execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)");
        foreach (var step in Steps)
        {
            using var tx = RegistryDatabase.BeginWrite(c);
            if (db.Dialect == SqlDialect.Postgres) c.Execute("SELECT pg_advisory_xact_lock(7318001)", tx);
            if (Convert.ToInt64(c.Scalar("SELECT COUNT(*) FROM schema_migrations WHERE version = @v", tx, ("@v", step.Version))) > 0)
            {
                tx.Rollback();
                continue;
            }
            foreach (var statement in step.Statements) c.Execute(statement, tx);
            c.Execute("INSERT INTO schema_migrations (version, name, applied_ms) VALUES (@v, @n, @t)", tx, ("@v", step.Version), ("@n", step.Name), ("@t", Sql.Now()));
            tx.Commit();
        }
        var newest = Convert.ToInt64(c.Scalar("SELECT MAX(version) FROM schema_migrations") ?? 0L);
        if (newest > Latest)
            throw new InvalidDataException($"the registry database {db.Description} has schema version {newest}, newer than this Lineage knows ({Latest}); update Lineage");
    }

    public static IReadOnlyList<int> Applied(DbConnection c) => c.Query("SELECT version FROM schema_migrations ORDER BY version", r => Convert.ToInt32(r.GetValue(0)));
}
