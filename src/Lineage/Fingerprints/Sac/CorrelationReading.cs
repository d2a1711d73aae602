using System.Globalization;
using Lineage.Suspects;

namespace Lineage.Fingerprints.Sac;

/// <summary>SAC's reading (Eq. 1–3): the n×n correlation matrix of each side's outputs, both sides put in the same
/// form first (<see cref="SacRepresentation"/>; smoothed labels, Eq. 5, for a label-only suspect).</summary>
public sealed class CorrelationReading : IAnswerReading<CorrelationMatrix>
{
    public Reading<CorrelationMatrix> Read(Fingerprint fingerprint, SuspectOutput answers)
    {
        var kind = Enum.Parse<CorrelationKind>(fingerprint.Parameter("correlation"), ignoreCase: true);
        var output = Enum.Parse<SacOutput>(fingerprint.Parameter("output"), ignoreCase: true);
        double sigma2 = double.Parse(fingerprint.Parameter("rbf_sigma2"), CultureInfo.InvariantCulture);
        double eps = double.Parse(fingerprint.Parameter("label_epsilon"), CultureInfo.InvariantCulture);
        var (src, sus, description) = SacRepresentation.Align(fingerprint.SourceOutput, answers, output, eps);
        int n = answers.Count;
        return new(CorrelationMatrix.Compute(src, n, fingerprint.SourceOutput.Classes, kind, sigma2),
                   CorrelationMatrix.Compute(sus, n, answers.Classes, kind, sigma2), description);
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
