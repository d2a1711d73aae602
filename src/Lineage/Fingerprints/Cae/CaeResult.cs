using Lineage.Engine;

namespace Lineage.Fingerprints.Cae;

/// <summary>
/// The conferrable adversarial examples C-BIM kept, most conferrable first: what a CAE fingerprint stores
/// (queries and verification keys vk = M(F), Algorithm 2) plus how conferrable each was on the training models.
/// </summary>
public sealed class CaeResult
{
    /// <summary>The examples, [n, C, H, W] in [0, 1], each within ε (L∞) of an owner image.</summary>
    public required Tensor Examples { get; init; }
    /// <summary>The source's top-1 label on each example: the verification key.</summary>
    public required int[] SourceLabels { get; init; }
    /// <summary>The index in the owner data of the image each example started from.</summary>
    public required int[] OwnerIndices { get; init; }
    /// <summary>The true label of the owner image each example started from (the source's label there too).</summary>
    public required int[] OriginalLabels { get; init; }
    /// <summary>Confer(S, R, x) on the training surrogates and references with t = the source's label (Eq. 10).</summary>
    public required double[] Conferrability { get; init; }
    /// <summary>M_E(x)[t] with every training model kept (Eq. 13): the tie-breaker of the selection.</summary>
    public required double[] SoftConferrability { get; init; }
    public required CaeStats Stats { get; init; }
}

/// <summary>What a C-BIM run did.</summary>
/// <param name="Candidates">Owner images attacked (all classified correctly by the source).</param>
/// <param name="Flipped">Candidates whose source label moved off the original label.</param>
/// <param name="Qualified">Flipped candidates at or above the minimum conferrability τ.</param>
/// <param name="Kept">Examples kept (the n asked for).</param>
/// <param name="FullyConferrable">Candidates that flipped with Confer = 1 on the training models (the paper's τ = 1).</param>
/// <param name="MeanFlippedConferrability">Mean Confer over the flipped candidates (the successful adversarial
/// examples, as the paper averages them in Table 1).</param>
/// <param name="MeanKeptConferrability">Mean Confer over the kept examples.</param>
/// <param name="Seconds">Wall-clock time of the run.</param>
public sealed record CaeStats(int Candidates, int Flipped, int Qualified, int Kept, int FullyConferrable,
    double MeanFlippedConferrability, double MeanKeptConferrability, double Seconds);
