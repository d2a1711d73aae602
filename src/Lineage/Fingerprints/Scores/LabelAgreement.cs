using Lineage.Statistics;

namespace Lineage.Fingerprints;

/// <summary>
/// The share of queries on which the suspect's label equals the expected one (IPGuard's matching rate, CAE's
/// fingerprint accuracy, AKH's 1 − Hamming distance); each query's match is a per-query value.
/// </summary>
/// <param name="binomialPValue">Give a binomial-tail p-value: the chance that a model agreeing with each query
/// independently at the null models' rate would match at least as many queries. The rate is estimated from the
/// rule's null scores with one pseudo-match and one pseudo-miss (Laplace), so a null rate of 0 never yields p = 0.
/// Without it, the p-value is the score's rank among the null scores.</param>
public sealed class LabelAgreement(bool binomialPValue) : IScoreRule<int[]>
{
    public MethodScore Compare(Fingerprint fingerprint, int[] source, int[] suspect)
    {
        if (source.Length != suspect.Length) throw new ArgumentException($"{suspect.Length} suspect labels for {source.Length} expected labels");
        var matches = new double[source.Length];
        for (int i = 0; i < source.Length; i++) matches[i] = source[i] == suspect[i] ? 1 : 0;
        return new MethodScore(matches.Average(), matches);
    }

    public (double PValue, string Basis)? PValue(Fingerprint fingerprint, DecisionRule rule, MethodScore score)
    {
        if (!binomialPValue || !rule.IsCalibrated || score.PerQuery is not { Count: > 0 } perQuery) return null;
        int n = perQuery.Count;
        int k = (int)Math.Round(perQuery.Sum());
        double nullRate = (rule.NullScores.Sum() * n + 1) / (rule.NullScores.Count * n + 2.0);
        return (BinomialTail.Upper(k, n, nullRate),
                $"binomial tail: {k} of {n} labels agree, against the {rule.NullScores.Count} null models' agreement rate {nullRate:0.###}");
    }
}
