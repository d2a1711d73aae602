namespace Lineage.Registry.Storage;

/// <summary>An owner: its own models, scans, keys and limits. Null limits fall back to the server's defaults.</summary>
public sealed record Tenant(string Id, string Name, long CreatedMs, int? RatePerMinute, long? QueryBudget, long QueriesUsed);

/// <summary>A registered fingerprint file or bundle of one source model, with the name and version the owner gave it.</summary>
public sealed record RegisteredModel
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public required string Name { get; init; }
    public required string Version { get; init; }
    /// <summary>The source model's hash as the fingerprint records it.</summary>
    public required string SourceHash { get; init; }
    /// <summary>SHA-256 of the uploaded file: its name in the content store.</summary>
    public required string FileSha256 { get; init; }
    public required string FileName { get; init; }
    public required bool IsBundle { get; init; }
    public required IReadOnlyList<string> Methods { get; init; }
    /// <summary>Queries a scan sends for this model (every member's).</summary>
    public required long QueryCount { get; init; }
    public required int Classes { get; init; }
    public required long CreatedMs { get; init; }
}

public static class ScanStatus
{
    public const string Queued = "queued", Running = "running", Done = "done", Failed = "failed";
}

/// <summary>A scan job: its suspect (an uploaded file by SHA-256, or a URL), its options, the models it runs against,
/// its place in the queue, and once done its result and evidence.</summary>
public sealed record Scan
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public required string Status { get; init; }
    public required string SuspectName { get; init; }
    public string? SuspectUrl { get; init; }
    public string? SuspectSha256 { get; init; }
    public required string OptionsJson { get; init; }
    public required IReadOnlyList<string> ModelIds { get; init; }
    public required long ReservedQueries { get; init; }
    public required long CreatedMs { get; init; }
    public long? StartedMs { get; init; }
    public long? FinishedMs { get; init; }
    public int Attempts { get; init; }
    public string? LeaseOwner { get; init; }
    public long? LeaseExpiresMs { get; init; }
    public string? ResultJson { get; init; }
    public string? EvidenceSha256 { get; init; }
    public string? Error { get; init; }
    public string? ErrorKind { get; init; }
    public long? QueriesSpent { get; init; }
}

/// <summary>A scan this worker holds: the token proves the lease is still its own when it writes the result.</summary>
public sealed record ClaimedScan(Scan Scan, string LeaseToken);

/// <summary>A write that clashes with what is stored (a tenant name or model name+version already taken): HTTP 409.</summary>
public sealed class RegistryConflictException(string message) : Exception(message);

/// <summary>A scan the tenant's query budget cannot pay for.</summary>
public sealed class QueryBudgetException(string message) : Exception(message);
