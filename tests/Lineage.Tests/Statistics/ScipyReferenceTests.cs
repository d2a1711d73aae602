using System.Text.Json;
using Lineage.Statistics;

namespace Lineage.Tests.Statistics;

/// <summary>Values computed once by tests/fixtures/scipy/make_metric_fixtures.py (scipy, sklearn, mpmath).</summary>
public class ScipyReferenceTests
{
    static readonly JsonElement Reference = JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "metric_reference.json"))).RootElement;

    /// <summary>The fixture's cases for <paramref name="name"/>, checked to number <paramref name="expected"/>: an empty
    /// or shrunken fixture must fail, not pass by checking nothing.</summary>
    static JsonElement[] Cases(string name, int expected)
    {
        var cases = Reference.GetProperty(name).EnumerateArray().ToArray();
        Assert.True(cases.Length == expected, $"fixture '{name}' holds {cases.Length} cases, expected {expected}");
        return cases;
    }
    static double[] Doubles(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(x => x.GetDouble()).ToArray();
    static double D(JsonElement e, string name) => e.GetProperty(name).GetDouble();

    [Fact]
    public void StudentTCdfMatchesScipy()
    {
        foreach (var c in Cases("t_cdf", 90))
        {
            double t = D(c, "t"), df = D(c, "df");
            MetricAssert.Close(D(c, "cdf"), StudentT.Cdf(t, df), 1e-10, 1e-300, $"cdf(t={t}, df={df})");
            MetricAssert.Close(D(c, "sf"), StudentT.Survival(t, df), 1e-10, 1e-300, $"sf(t={t}, df={df})");
        }
    }

    [Fact]
    public void WelchTTestMatchesScipy()
    {
        foreach (var c in Cases("welch", 12))
        {
            var alternative = c.GetProperty("alternative").GetString() switch
            {
                "two-sided" => TestAlternative.TwoSided,
                "greater" => TestAlternative.Greater,
                "less" => TestAlternative.Less,
                var other => throw new InvalidDataException($"Unknown alternative '{other}' in the fixture."),
            };
            var r = WelchTTest.Test(Doubles(c, "a"), Doubles(c, "b"), alternative);
            MetricAssert.Close(D(c, "statistic"), r.Statistic, 1e-12, 1e-14, "t statistic");
            MetricAssert.Close(D(c, "df"), r.DegreesOfFreedom, 1e-12, 0, "Welch–Satterthwaite df");
            MetricAssert.Close(D(c, "pvalue"), r.PValue, 1e-10, 1e-300, $"p-value ({alternative})");
        }
    }

    [Fact]
    public void BinomialUpperTailMatchesScipyAndExactSums()
    {
        foreach (var c in Cases("binomial_upper_tail", 18))
        {
            int k = c.GetProperty("k").GetInt32(), n = c.GetProperty("n").GetInt32();
            double p = D(c, "p");
            string what = $"P[X >= {k}], X ~ Bin({n}, {p})";
            MetricAssert.Close(D(c, "sf"), BinomialTail.Upper(k, n, p), 1e-10, 1e-300, what);
            var logsf = c.GetProperty("logsf");
            if (logsf.ValueKind == JsonValueKind.Null)
                Assert.Equal(double.NegativeInfinity, BinomialTail.LogUpper(k, n, p));
            else
                MetricAssert.Close(logsf.GetDouble(), BinomialTail.LogUpper(k, n, p), 1e-11, 1e-14, "ln " + what);
        }
    }

    [Fact]
    public void SpecialFunctionsMatchScipy()
    {
        foreach (var c in Cases("log_gamma", 9))
            MetricAssert.Close(D(c, "value"), SpecialFunctions.LogGamma(D(c, "x")), 1e-13, 1e-15, $"lnΓ({D(c, "x")})");
        foreach (var c in Cases("log_beta", 6))
            MetricAssert.Close(D(c, "value"), SpecialFunctions.LogBeta(D(c, "a"), D(c, "b")), 1e-13, 1e-13, $"ln B({D(c, "a")}, {D(c, "b")})");
        foreach (var c in Cases("incomplete_beta", 5))
            MetricAssert.Close(D(c, "value"), SpecialFunctions.RegularizedIncompleteBeta(D(c, "a"), D(c, "b"), D(c, "x")), 1e-11, 1e-300,
                $"I_{D(c, "x")}({D(c, "a")}, {D(c, "b")})");
    }

    [Fact]
    public void AucMatchesSklearnOnTiedRandomScores()
    {
        foreach (var c in Cases("roc_auc", 4))
        {
            double[] pos = Doubles(c, "positives"), neg = Doubles(c, "negatives");
            MetricAssert.Close(D(c, "auc"), RocAuc.Compute(pos, neg, ScoreDirection.HigherIsStolen), 1e-14, 0, "AUC");
            // Negated scores read as distances must give the same AUC.
            MetricAssert.Close(D(c, "auc"), RocAuc.Compute(pos.Select(x => -x).ToArray(), neg.Select(x => -x).ToArray(), ScoreDirection.LowerIsStolen), 1e-14, 0, "AUC");
        }
    }
}
