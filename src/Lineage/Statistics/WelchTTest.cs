namespace Lineage.Statistics;

/// <summary>Result of Welch's unequal-variance t-test.</summary>
/// <param name="Statistic">t = (mean₁ − mean₂) / √(s₁²/n₁ + s₂²/n₂).</param>
/// <param name="DegreesOfFreedom">Welch–Satterthwaite ν, usually not an integer.</param>
/// <param name="PValue">Probability under H₀ (equal means) of a t at least this extreme toward <paramref name="Alternative"/>.</param>
/// <param name="Alternative">The alternative hypothesis tested.</param>
public readonly record struct WelchTTestResult(double Statistic, double DegreesOfFreedom, double PValue, TestAlternative Alternative);

/// <summary>Welch's two-sample t-test, the hypothesis test UAP fingerprinting uses to claim a piracy model
/// (UAP §5.2 "Hypothesis Tests": suspect similarities vs homologous-model similarities). Matches
/// scipy.stats.ttest_ind(a, b, equal_var=False).</summary>
public static class WelchTTest
{
    /// <summary>Tests H₀: mean(<paramref name="first"/>) = mean(<paramref name="second"/>) against <paramref name="alternative"/>.</summary>
    /// <exception cref="ArgumentException">A sample has fewer than 2 values, a non-finite value, or both
    /// samples have zero variance (t is then undefined: 0/0 or ±∞).</exception>
    public static WelchTTestResult Test(IReadOnlyList<double> first, IReadOnlyList<double> second, TestAlternative alternative = TestAlternative.TwoSided)
    {
        ScoreValidation.RequireScores(first, nameof(first), "first sample's", minimumCount: 2);
        ScoreValidation.RequireScores(second, nameof(second), "second sample's", minimumCount: 2);
        var (mean1, var1) = MeanAndVariance(first);
        var (mean2, var2) = MeanAndVariance(second);
        double se1 = var1 / first.Count, se2 = var2 / second.Count;
        double se2Sum = se1 + se2;
        if (se2Sum == 0)
            throw new ArgumentException("Both samples have zero variance, so Welch's t statistic is undefined.", nameof(second));

        double t = (mean1 - mean2) / Math.Sqrt(se2Sum);
        double df = se2Sum * se2Sum / (se1 * se1 / (first.Count - 1) + se2 * se2 / (second.Count - 1));
        double p = alternative switch
        {
            TestAlternative.TwoSided => Math.Min(1.0, 2.0 * StudentT.Survival(Math.Abs(t), df)),
            TestAlternative.Greater => StudentT.Survival(t, df),
            TestAlternative.Less => StudentT.Cdf(t, df),
            _ => throw new ArgumentOutOfRangeException(nameof(alternative), alternative, "Unknown test alternative."),
        };
        return new WelchTTestResult(t, df, p, alternative);
    }

    /// <summary>One-sided test that the suspect's scores look more stolen than the independent models' scores:
    /// H₁ mean(suspect) &gt; mean(independent) for <see cref="ScoreDirection.HigherIsStolen"/>, &lt; for
    /// <see cref="ScoreDirection.LowerIsStolen"/>. The statistic keeps the sign of mean(suspect) − mean(independent).</summary>
    public static WelchTTestResult TestStolen(IReadOnlyList<double> suspectScores, IReadOnlyList<double> independentScores, ScoreDirection direction) =>
        Test(suspectScores, independentScores, direction switch
        {
            ScoreDirection.HigherIsStolen => TestAlternative.Greater,
            ScoreDirection.LowerIsStolen => TestAlternative.Less,
            _ => throw new ArgumentOutOfRangeException(nameof(direction), direction, "Unknown score direction."),
        });

    /// <summary>Mean and unbiased (n − 1) variance, two-pass so nearly equal scores do not cancel.</summary>
    static (double Mean, double Variance) MeanAndVariance(IReadOnlyList<double> values)
    {
        double sum = 0;
        foreach (double v in values) sum += v;
        double mean = sum / values.Count;
        double squares = 0, residual = 0;
        foreach (double v in values)
        {
            double d = v - mean;
            squares += d * d;
            residual += d;
        }
        // The residual term corrects the rounding error of the mean (Chan, Golub & LeVeque's corrected two-pass).
        return (mean, (squares - residual * residual / values.Count) / (values.Count - 1));
    }
}
