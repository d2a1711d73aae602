using Lineage.Engine;
using Lineage.Suspects;

namespace Lineage.Fingerprints.Cae;

/// <summary>
/// How conferrable a set of examples is on models that took no part in making it: the paper's testing
/// surrogates and references (Tables 2–3). Each model is asked as a black box; only its labels are read.
/// The same measure on the training models gives the "training" columns.
/// </summary>
public static class HeldOutConferrability
{
    public static ConferrabilityReport Measure(Tensor examples, int[] sourceLabels, IReadOnlyList<ISuspect> surrogates, IReadOnlyList<ISuspect> references)
    {
        if (surrogates.Count == 0 || references.Count == 0)
            throw new ArgumentException($"measuring conferrability needs at least one surrogate and one reference; got {surrogates.Count} and {references.Count}");
        if (examples.Shape[0] != sourceLabels.Length)
            throw new ArgumentException($"{examples.Shape[0]} examples for {sourceLabels.Length} source labels");
        int[][] Labels(IReadOnlyList<ISuspect> models) => models.Select(m => m.Query(examples).Labels).ToArray();
        var surrogateLabels = Labels(surrogates);
        var referenceLabels = Labels(references);
        var perExample = Conferrability.Confer(surrogateLabels, referenceLabels, sourceLabels);
        double[] Accuracy(int[][] labels) => labels.Select(l => CaeScore.FingerprintAccuracy(sourceLabels, l)).ToArray();
        return new ConferrabilityReport(perExample, Accuracy(surrogateLabels), Accuracy(referenceLabels));
    }
}

/// <summary>Conferrability of each example, and each model's fingerprint accuracy (agreement with the source).</summary>
public sealed record ConferrabilityReport(double[] PerExample, double[] SurrogateAccuracy, double[] ReferenceAccuracy)
{
    public double MeanConferrability => PerExample.Average();
    public double MinSurrogateAccuracy => SurrogateAccuracy.Min();
    public double MaxSurrogateAccuracy => SurrogateAccuracy.Max();
    public double MinReferenceAccuracy => ReferenceAccuracy.Min();
    public double MaxReferenceAccuracy => ReferenceAccuracy.Max();
    public double MeanSurrogateAccuracy => SurrogateAccuracy.Average();
    public double MeanReferenceAccuracy => ReferenceAccuracy.Average();
}
