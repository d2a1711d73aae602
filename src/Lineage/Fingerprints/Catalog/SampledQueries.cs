using Lineage.Engine;

namespace Lineage.Fingerprints;

/// <summary>
/// What a query sampler returns: the queries ([n, C, H, W] images in [0, 1]), the labels a derived model should
/// give where the method defines them, named artifact tensors the method keeps for verification (an encoder's
/// weights, a perturbation, reference similarities), and facts about the run recorded beside the parameters.
/// </summary>
public sealed record SampledQueries
{
    public required Tensor Queries { get; init; }
    public int[]? ExpectedLabels { get; init; }
    public IReadOnlyDictionary<string, Tensor> Artifacts { get; init; } = new Dictionary<string, Tensor>();
    public IReadOnlyDictionary<string, string> Facts { get; init; } = new Dictionary<string, string>();
    /// <summary>Ids of the kit models the sampler learned from; calibration leaves them out, because a method scores
    /// the references it was tuned against as more independent than fresh ones.</summary>
    public IReadOnlyList<string> KitModelsUsed { get; init; } = [];
}
