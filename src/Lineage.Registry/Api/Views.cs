using System.Text.Json;
using Lineage.Registry.Storage;

namespace Lineage.Registry.Api;

/// <summary>The JSON shapes the API answers with (snake_case, stable for machines). Times are ISO 8601 UTC.</summary>
public static class Views
{
    public sealed record TenantView(string id, string name, string created, int rate_per_minute, long? query_budget, long queries_used);
    public sealed record CreatedTenant(string id, string name, string api_key);
    public sealed record CreatedKey(string tenant_id, string api_key);
    public sealed record ModelView(string id, string name, string version, string source_hash, string file_sha256, string file_name, bool is_bundle,
        IReadOnlyList<string> methods, long queries, int classes, string created);
    public sealed record ScanView(string id, string status, string suspect, string? suspect_url, string? suspect_sha256, IReadOnlyList<string> models,
        string created, string? started, string? finished, int attempts, long queries_reserved, long? queries_spent, string? error, string? error_kind,
        JsonElement? result, string? evidence_url);
    public sealed record QueueView(long queued, long running);
    public sealed record Health(string status, string database, int schema_version);

    public static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");

    /// <summary>A stored JSON document as an element that outlives the parser's pooled buffers.</summary>
    public static JsonElement Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    public static TenantView Of(Tenant t, RegistryOptions o) => new(t.Id, t.Name, Time(t.CreatedMs), t.RatePerMinute ?? o.RatePerMinute, t.QueryBudget ?? o.DefaultQueryBudget, t.QueriesUsed);

    public static ModelView Of(RegisteredModel m) => new(m.Id, m.Name, m.Version, m.SourceHash, m.FileSha256, m.FileName, m.IsBundle, m.Methods, m.QueryCount, m.Classes, Time(m.CreatedMs));

    public static ScanView Of(Scan s) => new(s.Id, s.Status, s.SuspectName, s.SuspectUrl, s.SuspectSha256, s.ModelIds, Time(s.CreatedMs),
        s.StartedMs is long a ? Time(a) : null, s.FinishedMs is long b ? Time(b) : null, s.Attempts, s.ReservedQueries, s.QueriesSpent, s.Error, s.ErrorKind,
        s.ResultJson is string r ? Parse(r) : null, s.EvidenceSha256 is null ? null : $"/v1/scans/{s.Id}/evidence");
}
