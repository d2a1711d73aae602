using System.Text.Json;
using Lineage.Statistics;

namespace Lineage.Tests.Statistics;

/// <summary>Against tests/fixtures/scipy/make_combination_fixtures.py (scipy's combine_pvalues and brentq).</summary>
public class PValueCombinationTests
{
    static readonly JsonElement Reference = JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "pvalue_combination_reference.json"))).RootElement;

    [Fact]
    public void EveryCombinationMatchesScipy()
    {
        int count = 0;
        foreach (var c in Reference.GetProperty("cases").EnumerateArray())
        {
            var p = c.GetProperty("p").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            string what = $"p = [{string.Join(", ", p.Take(4))}{(p.Length > 4 ? ", …" : "")}] (K = {p.Length})";
            MetricAssert.Close(c.GetProperty("fisher").GetDouble(), PValueCombination.Fisher(p), 1e-10, 1e-300, "Fisher " + what);
            MetricAssert.Close(c.GetProperty("hmp_constant").GetDouble(), PValueCombination.HarmonicMeanConstant(p.Length), 1e-10, 0, "a_K " + what);
            MetricAssert.Close(c.GetProperty("hmp").GetDouble(), PValueCombination.HarmonicMean(p), 1e-10, 1e-300, "HMP " + what);
            MetricAssert.Close(c.GetProperty("bonferroni").GetDouble(), PValueCombination.Bonferroni(p), 1e-12, 0, "Bonferroni " + what);
            count++;
        }
        Assert.Equal(25, count);
    }

    [Fact]
    public void DependenceValidCombinationsHoldTheirLevelForIdenticalPValues()
    {
        // Perfectly dependent methods (the same p K times) are the case Fisher gets wrong: it reports far less than p.
        foreach (int k in new[] { 2, 3, 5 })
        {
            var same = Enumerable.Repeat(0.04, k).ToArray();
            Assert.True(PValueCombination.Bonferroni(same) >= 0.04);
            Assert.True(PValueCombination.HarmonicMean(same) >= 0.04);
            Assert.True(PValueCombination.Fisher(same) < 0.04);
        }
    }

    [Fact]
    public void BadInputFailsClearly()
    {
        Assert.Contains("no p-values", Assert.Throws<ArgumentException>(() => PValueCombination.Fisher([])).Message);
        Assert.Contains("outside [0, 1]", Assert.Throws<ArgumentException>(() => PValueCombination.Bonferroni([0.2, 1.5])).Message);
        Assert.Contains("expected bonferroni, hmp or fisher", Assert.Throws<ArgumentException>(() => PValueCombination.Parse("stouffer")).Message);
        Assert.Equal(PValueCombiner.HarmonicMean, PValueCombination.Parse("hmp"));
    }
}
