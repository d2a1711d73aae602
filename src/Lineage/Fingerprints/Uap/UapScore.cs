namespace Lineage.Fingerprints.Uap;

/// <summary>What a UAP fingerprint concludes about a suspect.</summary>
public enum UapDecision
{
    /// <summary>The one-sided test "suspect similarities &gt; reference similarities" rejects at α: a piracy model.</summary>
    Stolen,
    /// <summary>The reverse one-sided test "suspect similarities &lt; reference similarities" rejects at α: the
    /// suspect looks no more like the source than the owner's independent references do.</summary>
    Independent,
    /// <summary>Neither one-sided test rejects at α (UAP §5.2: the t-test "will either reject H₀ … or give
    /// inconclusive results"): more fingerprints, or none at all, would be needed to tell.</summary>
    Inconclusive,
}

/// <summary>A suspect scored against a UAP fingerprint.</summary>
/// <param name="Reading">How its answers were read (probabilities, topK, label).</param>
/// <param name="Similarities">Per view: cosine of the encoder's embedding of the suspect's fingerprint and the
/// source's (same view).</param>
/// <param name="Score">Mean of <paramref name="Similarities"/> (UAP §5.1: the similarity of two models).</param>
/// <param name="PValue">Welch's one-sided p-value of H₁ mean(suspect) &gt; mean(references) (UAP §5.2).</param>
/// <param name="ReversePValue">Welch's one-sided p-value of H₁ mean(suspect) &lt; mean(references).</param>
/// <param name="Degenerate">Both samples were constant, so Welch's t is undefined; the p-values are then 0 or 1 by
/// the order of the two constants (0.5 each when they are equal).</param>
public sealed record UapScore(UapReading Reading, double[] Similarities, double Score, double PValue, double ReversePValue,
    double Alpha, UapDecision Decision, bool Degenerate);
