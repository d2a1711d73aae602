using System.Globalization;

namespace Lineage.Statistics;

/// <summary>
/// The p-value of one suspect's score against independent *models*: the chance that a new independent model, drawn
/// like the null models calibration saw, would score at least as stolen-looking. This is the null a verdict's
/// false-positive rate is about. A method's own test (a binomial tail over queries, a t-test over fingerprints)
/// treats the queries as the random draws and ignores how much independent models differ from each other; on
/// fmnist-full such query-level p-values flagged a third of the held-out independent models at 0.05.
/// </summary>
/// <remarks>
/// With at least two null scores that are not all equal, the p-value is the Student-t prediction for one new draw
/// from a normal population of which the nulls are a sample: t = (s − m) / (sd·√(1 + 1/n)) on n − 1 degrees of freedom,
/// oriented so that larger means more stolen-looking. It extrapolates past the most extreme null, so it is valid
/// to the extent that independent models' scores are roughly normal. With fewer nulls, or nulls that do not
/// vary, it is the distribution-free rank p-value (<see cref="EmpiricalPValue"/>), which never goes below 1/(n + 1).
/// </remarks>
public static class NullModelPValue
{
    public static (double PValue, string Basis) Compute(double score, IReadOnlyList<double> nullScores, ScoreDirection direction)
    {
        ScoreValidation.RequireFinite(score, nameof(score), "suspect score");
        ScoreValidation.RequireScores(nullScores, nameof(nullScores), "null (independent)");
        int n = nullScores.Count;
        double mean = nullScores.Average();
        double sd = n < 2 ? 0 : Math.Sqrt(nullScores.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        if (n < 2 || !(sd > 1e-12 * Math.Max(1, Math.Abs(mean))))
        {
            double rank = EmpiricalPValue.Compute(score, nullScores, direction);
            return (rank, string.Create(CultureInfo.InvariantCulture,
                $"rank among the {n} null models' scores ({(n < 2 ? "one null model" : "they do not vary")}: no spread to model, so p ≥ 1/{n + 1})"));
        }
        double t = direction.Orient(score - mean) / (sd * Math.Sqrt(1 + 1.0 / n));
        double p = StudentT.Survival(t, n - 1);
        return (p, string.Create(CultureInfo.InvariantCulture,
            $"Student-t prediction from the {n} null models' scores (mean {mean:0.####}, sd {sd:0.####}): t = {t:0.##} on {n - 1} df"));
    }
}
