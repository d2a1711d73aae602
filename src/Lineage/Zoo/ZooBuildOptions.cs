using Lineage.Models;
using Lineage.Models.Training;

namespace Lineage.Zoo;

/// <summary>How to run a build: where the data is, which shard (null: every model, and the full manifest),
/// where progress goes, and whether missing models may be built (false: only assemble the manifest from the cache).</summary>
public sealed record ZooBuildOptions
{
    public string? DataDir { get; init; }
    public ZooShard? Shard { get; init; }
    public bool BuildMissing { get; init; } = true;
    /// <summary>One line per model or step (building, cached, rebuilt after corruption).</summary>
    public Action<string>? Log { get; init; }
    /// <summary>Training progress for a step, given the step's description; null for none.</summary>
    public Func<string, IProgress<TrainingProgress>?>? TrainingProgress { get; init; }
    public CancellationToken Cancel { get; init; }
    /// <summary>The models the plan's <c>given</c> steps name, by <see cref="ModelFile.Hash"/> (a kit's source).</summary>
    public IReadOnlyDictionary<string, ModelFile>? Given { get; init; }
}
