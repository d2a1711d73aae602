namespace Lineage.Registry.Api;

/// <summary>The operator's settings for `lineage registry serve`.</summary>
public sealed record RegistryOptions
{
    public required string DataDirectory { get; init; }
    /// <summary>null: SQLite in the data directory; else a postgres:// URL.</summary>
    public string? Database { get; init; }
    /// <summary>Address to listen on: 127.0.0.1 by default; 0.0.0.0 in a container behind a proxy.</summary>
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8090;
    /// <summary>SHA-256 of the operator key that creates tenants; null disables the tenant endpoints.</summary>
    public string? AdminKeyHash { get; init; }
    public bool AllowPrivateSuspects { get; init; }
    public long MaxFingerprintBytes { get; init; } = 32L << 20;
    public long MaxSuspectBytes { get; init; } = 64L << 20;
    /// <summary>Requests per minute per tenant unless the tenant has its own limit.</summary>
    public int RatePerMinute { get; init; } = 120;
    /// <summary>Queries per tenant unless the tenant has its own budget; null: unlimited.</summary>
    public long? DefaultQueryBudget { get; init; }
    /// <summary>Workers in the server process (0: only separate `lineage registry worker` processes run scans).</summary>
    public int Workers { get; init; } = 1;
    public Jobs.WorkerOptions Worker { get; init; } = new();
    /// <summary>The longest suspect timeout a scan may ask for.</summary>
    public double MaxTimeoutSeconds { get; init; } = 120;
}
