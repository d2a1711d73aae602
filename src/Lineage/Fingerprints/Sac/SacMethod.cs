using System.Globalization;
using Lineage.Suspects;

namespace Lineage.Fingerprints.Sac;

/// <summary>
/// SAC's verify side, shared by SAC-w and SAC-m (they differ only in how the queries were chosen):
/// the L1/n² distance (Eq. 4) between the source's and the suspect's correlation matrices (Eq. 1–3).
/// Smaller means more likely stolen.
/// </summary>
public sealed class SacMethod(string name) : IFingerprintMethod
{
    public string Name { get; } = name;

    public (double Score, string Representation) Score(Fingerprint fingerprint, SuspectOutput answers)
    {
        var kind = Enum.Parse<CorrelationKind>(fingerprint.Parameter("correlation"), ignoreCase: true);
        var output = Enum.Parse<SacOutput>(fingerprint.Parameter("output"), ignoreCase: true);
        double sigma2 = double.Parse(fingerprint.Parameter("rbf_sigma2"), CultureInfo.InvariantCulture);
        double eps = double.Parse(fingerprint.Parameter("label_epsilon"), CultureInfo.InvariantCulture);
        var (src, sus, description) = SacRepresentation.Align(fingerprint.SourceOutput, answers, output, eps);
        int n = answers.Count;
        var cs = CorrelationMatrix.Compute(src, n, fingerprint.SourceOutput.Classes, kind, sigma2);
        var ct = CorrelationMatrix.Compute(sus, n, answers.Classes, kind, sigma2);
        return (CorrelationMatrix.Distance(cs, ct), description);
    }

    /// <summary>The preferred output, then every poorer one (SAC handles each, Eq. 5 for labels).</summary>
    public IReadOnlyList<OutputView> Views(Fingerprint fingerprint)
    {
        var preferred = Enum.Parse<SacOutput>(fingerprint.Parameter("output"), ignoreCase: true);
        var views = new List<OutputView> { new(preferred == SacOutput.Logits ? OutputMode.Logits : OutputMode.Probabilities) };
        if (preferred == SacOutput.Logits) views.Add(new(OutputMode.Probabilities));
        for (int k = 1; k <= Math.Min(3, fingerprint.Classes); k++) views.Add(new(OutputMode.TopK, k));
        views.Add(new(OutputMode.Label));
        return views;
    }
}
