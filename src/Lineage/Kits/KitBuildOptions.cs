using Lineage.Data;
using Lineage.Models.Training;
using Lineage.Zoo;

namespace Lineage.Kits;

/// <summary>How to build a kit: the owner's data set and size, where the data is, the source's input declaration
/// (ONNX sources; null: the data's mean/std), a shard, progress and cancellation.</summary>
public sealed record KitBuildOptions
{
    public required string Dataset { get; init; }
    public KitSize Size { get; init; } = KitSize.Small;
    /// <summary>The half the references train on: the owner's own (defender, the default) or the half the source never
    /// saw (attacker), NaturalFinger's split (its negatives are trained on the other half of the data).</summary>
    public DataPart ReferencePart { get; init; } = DataPart.Defender;
    public string? DataDir { get; init; }
    public InputDeclaration? Input { get; init; }
    public ZooShard? Shard { get; init; }
    public Action<string>? Log { get; init; }
    public Func<string, IProgress<TrainingProgress>?>? TrainingProgress { get; init; }
    public CancellationToken Cancel { get; init; }
}

/// <summary>What a kit build did: the manifest (null for a shard, which writes none), where, what it trained and
/// found cached, warnings and the wall time.</summary>
public sealed record KitBuildResult(KitManifest? Manifest, string? ManifestPath, IReadOnlyList<string> Built, IReadOnlyList<string> Cached, IReadOnlyList<string> Warnings, double Seconds);
