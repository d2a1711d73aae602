namespace Lineage.Fingerprints.Sac;

/// <summary>SAC Eq. 4: the L1 distance between the two correlation matrices over n²; smaller means more likely stolen.</summary>
public sealed class CorrelationDistance : IScoreRule<CorrelationMatrix>
{
    public MethodScore Compare(Fingerprint fingerprint, CorrelationMatrix source, CorrelationMatrix suspect)
        => new(CorrelationMatrix.Distance(source, suspect));
}
