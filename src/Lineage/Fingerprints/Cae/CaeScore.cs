using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints.Cae;

/// <summary>
/// CAE's verification (Algorithm 1): the fingerprint accuracy is the share of examples on which the suspect's
/// top-1 label equals the source's; a suspect is a surrogate iff it reaches θ. Labels are all it reads, so a
/// label-only suspect scores exactly as the same model read through its logits.
/// </summary>
public static class CaeScore
{
    /// <summary>θ = 0.7, chosen empirically in the paper (§5.2, §6.3).</summary>
    public const double PaperThreshold = 0.7;

    /// <summary>Matches between the suspect's labels and the source's.</summary>
    public static int Matches(int[] sourceLabels, int[] suspectLabels)
    {
        if (suspectLabels.Length != sourceLabels.Length)
            throw new ArgumentException($"the suspect answered {suspectLabels.Length} CAE examples, the fingerprint has {sourceLabels.Length}");
        int match = 0;
        for (int i = 0; i < sourceLabels.Length; i++) if (suspectLabels[i] == sourceLabels[i]) match++;
        return match;
    }

    /// <summary>p_ret of Algorithm 1: the fingerprint accuracy.</summary>
    public static double FingerprintAccuracy(int[] sourceLabels, int[] suspectLabels)
    {
        if (sourceLabels.Length == 0) throw new ArgumentException("a CAE fingerprint has at least one example");
        return (double)Matches(sourceLabels, suspectLabels) / sourceLabels.Length;
    }

    public static double FingerprintAccuracy(int[] sourceLabels, SuspectOutput answers) => FingerprintAccuracy(sourceLabels, answers.Labels);

    /// <summary>Algorithm 1's decision: verified as a surrogate iff p_ret ≥ θ.</summary>
    public static bool IsSurrogate(double fingerprintAccuracy, double threshold = PaperThreshold) => fingerprintAccuracy >= threshold;

    /// <summary>The chance that an independent model agreeing at <paramref name="referenceAgreement"/> per example
    /// matches at least <paramref name="matches"/> of <paramref name="count"/>: the binomial upper tail
    /// (DESIGN.md, Metrics). It assumes examples agree independently of each other.</summary>
    public static double PValue(int matches, int count, double referenceAgreement) => BinomialTail.Upper(matches, count, referenceAgreement);

    /// <summary>The references' per-example agreement rate, from their match counts on the fingerprint, with one
    /// match and one miss added (Laplace's rule): C-BIM drives the training references' agreement towards 0, and a
    /// rate of exactly 0 would make any single match infinitely unlikely.</summary>
    public static double ReferenceAgreement(IReadOnlyList<int> referenceMatches, int count)
    {
        if (referenceMatches.Count == 0) throw new ArgumentException("the reference agreement needs at least one reference model");
        if (count < 1) throw new ArgumentException("a CAE fingerprint has at least one example");
        long total = 0;
        foreach (int m in referenceMatches)
        {
            if (m < 0 || m > count) throw new ArgumentException($"a reference matched {m} of {count} examples");
            total += m;
        }
        return (total + 1.0) / ((long)referenceMatches.Count * count + 2.0);
    }
}
