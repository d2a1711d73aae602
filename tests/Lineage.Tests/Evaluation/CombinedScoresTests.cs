using Lineage.Evaluation;
using Lineage.Statistics;

namespace Lineage.Tests.Evaluation;

public class CombinedScoresTests
{
    static ModelScore S(string method, string model, string role, double? p, long queries = 10) => new()
    {
        Method = method, ModelId = model, Role = role, Category = role == "stolen" ? "extraction" : "independent",
        Score = p is null ? null : 1 - p, PValue = p, Queries = queries, Note = p is null ? "cannot read" : null,
    };

    [Fact]
    public void EachModelsPValuesAreCombinedWithoutNewQueriesAndSummarizedLikeAMethod()
    {
        var scores = new List<ModelScore>
        {
            S("akh", "x1", "stolen", 0.001), S("sac-m", "x1", "stolen", 0.2),
            S("akh", "x2", "stolen", 0.3), S("sac-m", "x2", "stolen", null),
            S("akh", "i1", "independent", 0.6), S("sac-m", "i1", "independent", 0.04),
            S("akh", "i2", "independent", null), S("sac-m", "i2", "independent", null),
        };
        var combined = CombinedScores.Of(scores, PValueCombiner.Bonferroni, 0.05);
        Assert.All(combined, c => Assert.Equal("combined-bonferroni", c.Method));
        var x1 = combined.Single(c => c.ModelId == "x1");
        Assert.Equal(0.002, x1.PValue!.Value, 12);
        Assert.True(x1.Flagged);
        Assert.Equal(20, x1.Queries);
        Assert.Equal(0.3, combined.Single(c => c.ModelId == "x2").PValue!.Value, 12);   // only the method that read it
        Assert.False(combined.Single(c => c.ModelId == "i1").Flagged);                    // 2 × 0.04 > 0.05
        Assert.Null(combined.Single(c => c.ModelId == "i2").Score);

        var summary = EvaluationMetrics.Summarize("combined-bonferroni", ScoreDirection.LowerIsStolen, combined, ["extraction"], 0.01, 0, 20);
        Assert.Equal(0.5, summary.Categories.Single().Auc);   // x1 (0.002) ranks below the scored independent (0.08), x2 (0.3) above
        Assert.Equal(0.5, summary.DetectionRate);
        Assert.NotNull(summary.TprAtStrictFpr);
    }
}
