using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>
/// A fingerprinting method's verify side: given a fingerprint and a suspect's answers to its queries,
/// a score. Creation is method-specific (white-box on the source) and lives beside each method.
/// </summary>
public interface IFingerprintMethod
{
    string Name { get; }

    /// <summary>Scores a suspect's answers; also says how the answers were read (for the verdict).
    /// Throws <see cref="NotSupportedException"/> with a clear reason when the method cannot use the answers' mode.</summary>
    (double Score, string Representation) Score(Fingerprint fingerprint, SuspectOutput answers);

    /// <summary>The views of a suspect's answers this method can score, the primary one first; a rule is
    /// calibrated for each, since scores of different views are on different scales.</summary>
    IReadOnlyList<OutputView> Views(Fingerprint fingerprint);
}

/// <summary>An output mode a suspect may reveal (k for top-k).</summary>
public readonly record struct OutputView(OutputMode Mode, int K = 1)
{
    /// <summary>What a suspect in this view would answer, derived from a fuller answer.</summary>
    public SuspectOutput From(SuspectOutput full) => OutputReduction.Reveal(full, Mode, K);
}
