using System.Data.Common;
using System.Text.Json;
using Lineage.Registry.Security;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Lineage.Registry.Storage;

/// <summary>
/// Every read and write of the registry's rows. Each method is one transaction; every query of a tenant's rows names
/// the tenant, so one tenant's id never reaches another's data. Times come from <see cref="Clock"/> (milliseconds) so
/// that tests can move past a lease without sleeping.
/// </summary>
public sealed class RegistryStore(RegistryDatabase db)
{
    public RegistryDatabase Database => db;
    public Func<long> Clock { get; set; } = Sql.Now;

    // ---- tenants and keys

    /// <summary>Creates a tenant and its first API key (returned once; only its hash is stored).</summary>
    public (Tenant Tenant, string Key) CreateTenant(string name, int? ratePerMinute, long? queryBudget)
    {
        using var c = db.Connect();
        using var tx = RegistryDatabase.BeginWrite(c);
        var tenant = new Tenant(NewId("t"), name, Clock(), ratePerMinute, queryBudget, 0);
        try
        {
            c.Execute("INSERT INTO tenants (id, name, created_ms, rate_per_minute, query_budget, queries_used) VALUES (@id, @n, @t, @r, @b, 0)", tx,
                ("@id", tenant.Id), ("@n", name), ("@t", tenant.CreatedMs), ("@r", ratePerMinute), ("@b", queryBudget));
        }
        catch (DbException e) when (IsUniqueViolation(e))
        {
            throw new RegistryConflictException($"a tenant named '{name}' already exists");
        }
        var key = InsertKey(c, tx, tenant.Id);
        tx.Commit();
        return (tenant, key);
    }

    /// <summary>A further key for a tenant; null when there is no such tenant.</summary>
    public string? CreateKey(string tenantId)
    {
        using var c = db.Connect();
        using var tx = RegistryDatabase.BeginWrite(c);
        if (Convert.ToInt64(c.Scalar("SELECT COUNT(*) FROM tenants WHERE id = @id", tx, ("@id", tenantId))) == 0) return null;
        var key = InsertKey(c, tx, tenantId);
        tx.Commit();
        return key;
    }

    string InsertKey(DbConnection c, DbTransaction tx, string tenantId)
    {
        var key = ApiKeys.Create();
        c.Execute("INSERT INTO api_keys (key_hash, tenant_id, prefix, created_ms) VALUES (@h, @t, @p, @c)", tx,
            ("@h", ApiKeys.Hash(key)), ("@t", tenantId), ("@p", ApiKeys.Prefix(key)), ("@c", Clock()));
        return key;
    }

    public Tenant? TenantOfKey(string key)
    {
        using var c = db.Connect();
        return c.Query("SELECT t.* FROM tenants t JOIN api_keys k ON k.tenant_id = t.id WHERE k.key_hash = @h", ReadTenant, null, ("@h", ApiKeys.Hash(key))).SingleOrDefault();
    }

    public Tenant? Tenant(string id)
    {
        using var c = db.Connect();
        return c.Query("SELECT * FROM tenants WHERE id = @id", ReadTenant, null, ("@id", id)).SingleOrDefault();
    }

    public IReadOnlyList<Tenant> Tenants()
    {
        using var c = db.Connect();
        return c.Query("SELECT * FROM tenants ORDER BY created_ms, id", ReadTenant);
    }

    static Tenant ReadTenant(DbDataReader r) => new(r.Text("id")!, r.Text("name")!, r.Long("created_ms")!.Value,
        r.Long("rate_per_minute") is long rate ? (int)rate : null, r.Long("query_budget"), r.Long("queries_used")!.Value);

    // ---- registered models

    public RegisteredModel AddModel(RegisteredModel model)
    {
        using var c = db.Connect();
        using var tx = RegistryDatabase.BeginWrite(c);
        try
        {
            c.Execute("""
                INSERT INTO models (id, tenant_id, name, version, source_hash, file_sha256, file_name, is_bundle, methods, query_count, classes, created_ms)
                VALUES (@id, @t, @n, @v, @s, @f, @fn, @b, @m, @q, @c, @ct)
                """, tx, ("@id", model.Id), ("@t", model.TenantId), ("@n", model.Name), ("@v", model.Version), ("@s", model.SourceHash),
                ("@f", model.FileSha256), ("@fn", model.FileName), ("@b", model.IsBundle ? 1 : 0), ("@m", string.Join(",", model.Methods)),
                ("@q", model.QueryCount), ("@c", model.Classes), ("@ct", model.CreatedMs));
        }
        catch (DbException e) when (IsUniqueViolation(e))
        {
            throw new RegistryConflictException($"model '{model.Name}' version '{model.Version}' is already registered; register a new version or delete the old one");
        }
        tx.Commit();
        return model;
    }

    public IReadOnlyList<RegisteredModel> Models(string tenantId)
    {
        using var c = db.Connect();
        return c.Query("SELECT * FROM models WHERE tenant_id = @t ORDER BY name, version, id", ReadModel, null, ("@t", tenantId));
    }

    public RegisteredModel? Model(string tenantId, string id)
    {
        using var c = db.Connect();
        return c.Query("SELECT * FROM models WHERE tenant_id = @t AND id = @id", ReadModel, null, ("@t", tenantId), ("@id", id)).SingleOrDefault();
    }

    /// <summary>Removes the registration (the file stays in the content store: past scans' evidence refers to it).</summary>
    public bool DeleteModel(string tenantId, string id)
    {
        using var c = db.Connect();
        using var tx = RegistryDatabase.BeginWrite(c);
        int n = c.Execute("DELETE FROM models WHERE tenant_id = @t AND id = @id", tx, ("@t", tenantId), ("@id", id));
        tx.Commit();
        return n == 1;
    }

    static RegisteredModel ReadModel(DbDataReader r) => new()
    {
        Id = r.Text("id")!, TenantId = r.Text("tenant_id")!, Name = r.Text("name")!, Version = r.Text("version")!, SourceHash = r.Text("source_hash")!,
        FileSha256 = r.Text("file_sha256")!, FileName = r.Text("file_name")!, IsBundle = r.Long("is_bundle") == 1,
        Methods = r.Text("methods")!.Split(',', StringSplitOptions.RemoveEmptyEntries), QueryCount = r.Long("query_count")!.Value,
        Classes = (int)r.Long("classes")!.Value, CreatedMs = r.Long("created_ms")!.Value,
    };

    // ---- scans

    /// <summary>Queues a scan and reserves its queries from the tenant's budget in the same transaction, so concurrent
    /// submissions can never together spend more than the budget.</summary>
    public Scan SubmitScan(Scan scan)
    {
        using var c = db.Connect();
        using var tx = RegistryDatabase.BeginWrite(c);
        int charged = c.Execute("UPDATE tenants SET queries_used = queries_used + @r WHERE id = @t AND (query_budget IS NULL OR queries_used + @r <= query_budget)", tx,
            ("@r", scan.ReservedQueries), ("@t", scan.TenantId));
        if (charged == 0)
        {
            var t = c.Query("SELECT * FROM tenants WHERE id = @id", ReadTenant, tx, ("@id", scan.TenantId)).Single();
            throw new QueryBudgetException($"the scan needs up to {scan.ReservedQueries} queries but the tenant's query budget has {Math.Max(0, (t.QueryBudget ?? 0) - t.QueriesUsed)} of {t.QueryBudget} left");
        }
        c.Execute("""
            INSERT INTO scans (id, tenant_id, status, suspect_name, suspect_url, suspect_sha256, options_json, model_ids, reserved_queries, created_ms, attempts)
            VALUES (@id, @t, @s, @n, @u, @h, @o, @m, @r, @c, 0)
            """, tx, ("@id", scan.Id), ("@t", scan.TenantId), ("@s", ScanStatus.Queued), ("@n", scan.SuspectName), ("@u", scan.SuspectUrl),
            ("@h", scan.SuspectSha256), ("@o", scan.OptionsJson), ("@m", string.Join(",", scan.ModelIds)), ("@r", scan.ReservedQueries), ("@c", scan.CreatedMs));
        tx.Commit();
        return scan with { Status = ScanStatus.Queued };
    }

    public IReadOnlyList<Scan> Scans(string tenantId, int limit = 100)
    {
        using var c = db.Connect();
        return c.Query("SELECT * FROM scans WHERE tenant_id = @t ORDER BY created_ms DESC, id LIMIT @l", ReadScan, null, ("@t", tenantId), ("@l", limit));
    }

    public Scan? Scan(string tenantId, string id)
    {
        using var c = db.Connect();
        return c.Query("SELECT * FROM scans WHERE tenant_id = @t AND id = @id", ReadScan, null, ("@t", tenantId), ("@id", id)).SingleOrDefault();
    }

    /// <summary>Scans waiting and running, for scaling workers on queue depth.</summary>
    public (long Queued, long Running) QueueDepth()
    {
        using var c = db.Connect();
        var counts = c.Query("SELECT status, COUNT(*) AS n FROM scans WHERE status IN ('queued', 'running') GROUP BY status",
            r => (Status: r.Text("status")!, N: r.Long("n")!.Value));
        return (counts.Where(x => x.Status == ScanStatus.Queued).Sum(x => x.N), counts.Where(x => x.Status == ScanStatus.Running).Sum(x => x.N));
    }

    /// <summary>
    /// Takes the oldest queued scan, or a running one whose lease has expired (its worker died), and leases it to
    /// <paramref name="worker"/> with a fresh token. PostgreSQL locks the row with FOR UPDATE SKIP LOCKED, so many
    /// workers claim different rows at once; SQLite's immediate transaction serialises claims. A scan already tried
    /// <paramref name="maxAttempts"/> times whose lease expired again is failed instead of retried forever.
    /// </summary>
    public ClaimedScan? Claim(string worker, TimeSpan lease, int maxAttempts = 3)
    {
        using var c = db.Connect();
        using var tx = RegistryDatabase.BeginWrite(c);
        long now = Clock();
        string lockClause = db.Dialect == SqlDialect.Postgres ? " FOR UPDATE SKIP LOCKED" : "";
        while (true)
        {
            var next = c.Query($"""
                SELECT * FROM scans WHERE status = 'queued' OR (status = 'running' AND lease_expires_ms < @now)
                ORDER BY created_ms, id LIMIT 1{lockClause}
                """, ReadScan, tx, ("@now", now)).SingleOrDefault();
            if (next is null) { tx.Commit(); return null; }
            if (next.Attempts >= maxAttempts)
            {
                c.Execute("""
                    UPDATE scans SET status = 'failed', error = @e, error_kind = 'abandoned', finished_ms = @now,
                      lease_owner = NULL, lease_token = NULL, lease_expires_ms = NULL WHERE id = @id
                    """, tx, ("@e", $"the scan's worker stopped {next.Attempts} times before finishing it (last: {next.LeaseOwner}); not retried again"),
                    ("@now", now), ("@id", next.Id));
                continue;
            }
            var token = Guid.NewGuid().ToString("N");
            c.Execute("""
                UPDATE scans SET status = 'running', lease_owner = @w, lease_token = @tok, lease_expires_ms = @exp,
                  attempts = attempts + 1, started_ms = COALESCE(started_ms, @now) WHERE id = @id
                """, tx, ("@w", worker), ("@tok", token), ("@exp", now + (long)lease.TotalMilliseconds), ("@now", now), ("@id", next.Id));
            tx.Commit();
            return new ClaimedScan(next with { Status = ScanStatus.Running, Attempts = next.Attempts + 1, LeaseOwner = worker, StartedMs = next.StartedMs ?? now }, token);
        }
    }

    /// <summary>Extends the lease; false when it is no longer this worker's (it expired and another took the scan).</summary>
    public bool Heartbeat(ClaimedScan claim, TimeSpan lease)
    {
        using var c = db.Connect();
        using var tx = RegistryDatabase.BeginWrite(c);
        int n = c.Execute("UPDATE scans SET lease_expires_ms = @exp WHERE id = @id AND lease_token = @tok AND status = 'running'", tx,
            ("@exp", Clock() + (long)lease.TotalMilliseconds), ("@id", claim.Scan.Id), ("@tok", claim.LeaseToken));
        tx.Commit();
        return n == 1;
    }

    /// <summary>Writes the result if the lease is still this worker's, and settles the query budget (the reservation
    /// becomes what was spent). Returns false, writing nothing, when another worker took the scan over: the result is
    /// written exactly once, by the last holder of the lease.</summary>
    public bool Complete(ClaimedScan claim, string resultJson, string? evidenceSha256, long queriesSpent)
    {
        using var c = db.Connect();
        using var tx = RegistryDatabase.BeginWrite(c);
        int n = c.Execute("""
            UPDATE scans SET status = 'done', result_json = @r, evidence_sha256 = @e, queries_spent = @q, finished_ms = @now,
              lease_owner = NULL, lease_token = NULL, lease_expires_ms = NULL
            WHERE id = @id AND lease_token = @tok AND status = 'running'
            """, tx, ("@r", resultJson), ("@e", evidenceSha256), ("@q", queriesSpent), ("@now", Clock()), ("@id", claim.Scan.Id), ("@tok", claim.LeaseToken));
        if (n == 1) Settle(c, tx, claim.Scan, queriesSpent);
        tx.Commit();
        return n == 1;
    }

    /// <param name="charged">Queries to charge: what may have been sent (a remote suspect's reservation), 0 for a file that was never read.</param>
    public bool Fail(ClaimedScan claim, string error, string kind, long charged)
    {
        using var c = db.Connect();
        using var tx = RegistryDatabase.BeginWrite(c);
        int n = c.Execute("""
            UPDATE scans SET status = 'failed', error = @e, error_kind = @k, queries_spent = @q, finished_ms = @now,
              lease_owner = NULL, lease_token = NULL, lease_expires_ms = NULL
            WHERE id = @id AND lease_token = @tok AND status = 'running'
            """, tx, ("@e", error), ("@k", kind), ("@q", charged), ("@now", Clock()), ("@id", claim.Scan.Id), ("@tok", claim.LeaseToken));
        if (n == 1) Settle(c, tx, claim.Scan, charged);
        tx.Commit();
        return n == 1;
    }

    static void Settle(DbConnection c, DbTransaction tx, Scan scan, long spent)
        => c.Execute("UPDATE tenants SET queries_used = queries_used + @d WHERE id = @t", tx, ("@d", spent - scan.ReservedQueries), ("@t", scan.TenantId));

    static Scan ReadScan(DbDataReader r) => new()
    {
        Id = r.Text("id")!, TenantId = r.Text("tenant_id")!, Status = r.Text("status")!, SuspectName = r.Text("suspect_name")!,
        SuspectUrl = r.Text("suspect_url"), SuspectSha256 = r.Text("suspect_sha256"), OptionsJson = r.Text("options_json")!,
        ModelIds = r.Text("model_ids")!.Split(',', StringSplitOptions.RemoveEmptyEntries), ReservedQueries = r.Long("reserved_queries")!.Value,
        CreatedMs = r.Long("created_ms")!.Value, StartedMs = r.Long("started_ms"), FinishedMs = r.Long("finished_ms"),
        Attempts = (int)r.Long("attempts")!.Value, LeaseOwner = r.Text("lease_owner"), LeaseExpiresMs = r.Long("lease_expires_ms"),
        ResultJson = r.Text("result_json"), EvidenceSha256 = r.Text("evidence_sha256"), Error = r.Text("error"), ErrorKind = r.Text("error_kind"),
        QueriesSpent = r.Long("queries_spent"),
    };

    public static string NewId(string kind) => kind + "_" + Guid.NewGuid().ToString("N")[..20];

    static bool IsUniqueViolation(DbException e) => e switch
    {
        SqliteException s => s.SqliteErrorCode == 19,
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };
}
