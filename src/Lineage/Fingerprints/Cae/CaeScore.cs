using Lineage.Suspects;

namespace Lineage.Fingerprints.Cae;

/// <summary>
/// CAE's verification (Algorithm 1): the fingerprint accuracy is the share of examples on which the suspect's
/// top-1 label equals the source's; a suspect is a surrogate iff it reaches θ. Labels are all it reads, so a
/// label-only suspect scores exactly as the same model read through its logits. On the catalog this is
/// <see cref="LabelAgreement"/>, which also gives the binomial p-value against the null models' agreement.
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
}
