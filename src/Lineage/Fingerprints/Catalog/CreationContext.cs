using Lineage.Data;
using Lineage.Kits;

namespace Lineage.Fingerprints;

/// <summary>What a query sampler works from (white-box, on the owner's side): the source, the owner's data, the
/// seed, and where to report progress. Methods that learn from models also get the owner's kit.</summary>
public sealed record CreationContext
{
    public required SourceModel Source { get; init; }
    public required Dataset OwnerData { get; init; }
    public int Seed { get; init; }
    /// <summary>The owner's kit: references trained independently and surrogates derived from the source, for methods
    /// that learn from models (and, by default, for calibration).</summary>
    public OwnerKit? Kit { get; init; }
    /// <summary>One line per step of long work (an epoch, a pass, an iteration).</summary>
    public IProgress<string>? Progress { get; init; }
    public CancellationToken Cancel { get; init; }
}
