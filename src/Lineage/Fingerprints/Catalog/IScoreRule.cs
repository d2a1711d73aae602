namespace Lineage.Fingerprints;

/// <summary>A suspect's score, and per-query values where the method has them (agreements, similarities), so that a
/// test on them (binomial, Welch) can give a p-value.</summary>
public sealed record MethodScore(double Value, IReadOnlyList<double>? PerQuery = null);

/// <summary>How a method compares the two readings into a score (a distance or an agreement; the direction is the
/// method's, in <see cref="MethodInfo.Direction"/>), and the method's own test for a p-value where it has one.</summary>
public interface IScoreRule<TRepresentation>
{
    MethodScore Compare(Fingerprint fingerprint, TRepresentation source, TRepresentation suspect);

    /// <summary>The method's own p-value for a score under its decision rule (a binomial tail, a t-test), with what it
    /// is in words; null to use the rank of the score among the rule's null scores.</summary>
    (double PValue, string Basis)? PValue(Fingerprint fingerprint, DecisionRule rule, MethodScore score) => null;
}
