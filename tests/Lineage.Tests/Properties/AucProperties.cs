using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Lineage.Statistics;

namespace Lineage.Tests.Properties;

/// <summary>AUC depends only on how positive and negative scores are ordered: swapping the classes mirrors it, and a
/// strictly monotone transform of every score leaves it unchanged (a decreasing one with the direction flipped).</summary>
public class AucProperties
{
    // scores on a coarse grid so ties are common (ties are where an AUC implementation goes wrong)
    static double[] Scores(int[] raw) => raw.Select(v => (v % 41) / 4.0 - 5).ToArray();

    [Property(MaxTest = 200)]
    public bool SwappingTheClassesMirrorsTheAuc(NonEmptyArray<int> pos, NonEmptyArray<int> neg)
    {
        double[] p = Scores(pos.Get), n = Scores(neg.Get);
        double auc = RocAuc.Compute(p, n, ScoreDirection.HigherIsStolen);
        return Math.Abs(auc - (1 - RocAuc.Compute(n, p, ScoreDirection.HigherIsStolen))) < 1e-12
            && Math.Abs(auc - RocAuc.Compute(n, p, ScoreDirection.LowerIsStolen)) < 1e-12;
    }

    [Property(MaxTest = 200)]
    public bool StrictlyIncreasingTransformsKeepTheAuc(NonEmptyArray<int> pos, NonEmptyArray<int> neg, PositiveInt scale, int shift)
    {
        double[] p = Scores(pos.Get), n = Scores(neg.Get);
        double auc = RocAuc.Compute(p, n, ScoreDirection.HigherIsStolen);
        double a = scale.Get % 1000 + 1, b = shift % 1000;
        Func<double, double>[] increasing = [x => a * x + b, x => x * x * x, Math.Exp, x => Math.Atan(x) + 0.001 * x];
        return increasing.All(f => RocAuc.Compute(p.Select(f).ToArray(), n.Select(f).ToArray(), ScoreDirection.HigherIsStolen) == auc);
    }

    [Property(MaxTest = 200)]
    public bool ADecreasingTransformWithTheDirectionFlippedKeepsTheAuc(NonEmptyArray<int> pos, NonEmptyArray<int> neg)
    {
        double[] p = Scores(pos.Get), n = Scores(neg.Get);
        double auc = RocAuc.Compute(p, n, ScoreDirection.HigherIsStolen);
        Func<double, double> f = x => -3 * x - Math.Exp(x);
        return RocAuc.Compute(p.Select(f).ToArray(), n.Select(f).ToArray(), ScoreDirection.LowerIsStolen) == auc;
    }

    [Property(MaxTest = 100)]
    public bool TheAucIsTheShareOfCorrectlyOrderedPairs(NonEmptyArray<int> pos, NonEmptyArray<int> neg)
    {
        double[] p = Scores(pos.Get), n = Scores(neg.Get);
        double pairs = p.Sum(x => n.Sum(y => x > y ? 1.0 : x == y ? 0.5 : 0.0));
        return Math.Abs(RocAuc.Compute(p, n, ScoreDirection.HigherIsStolen) - pairs / (p.Length * (double)n.Length)) < 1e-12;
    }
}
