using Lineage.Evaluation;
using Lineage.Statistics;
using Lineage.Zoo;

namespace Lineage.Tests.Evaluation;

/// <summary>Category AUCs judge stolen models against the independent models of their label space, as SAC's
/// transfer rows use irrelevant-new models; without such models every independent model counts.</summary>
public sealed class CategoryNegativesTests
{
    static ModelScore S(string id, string role, string category, double score, int? classes) => new()
    {
        Method = "m", ModelId = id, Role = role, Category = category, Score = score, Classes = classes,
    };

    const string Stolen = ZooManifestModel.StolenRole, Independent = ZooManifestModel.IndependentRole;

    [Fact]
    public void TransferRowsUseTheIndependentsOfTheirLabelSpace()
    {
        // higher is stolen; the 4-class "irrelevant-new" model scores 0.2, the 10-class independents 0.5 and 0.6
        ModelScore[] scores =
        [
            S("ft", Stolen, "Finetune-A", 0.9, 10), S("tl", Stolen, "Transfer-L", 0.4, 4),
            S("i1", Independent, "independent", 0.5, 10), S("i2", Independent, "independent", 0.6, 10), S("new", Independent, "independent", 0.2, 4),
        ];
        var m = EvaluationMetrics.Summarize("m", ScoreDirection.HigherIsStolen, scores, ["Finetune-A", "Transfer-L"], 0.01, 0, 10);
        var ft = m.Categories.Single(c => c.Category == "Finetune-A");
        var tl = m.Categories.Single(c => c.Category == "Transfer-L");
        Assert.Equal((1.0, 2), (ft.Auc!.Value, ft.Negatives));  // 0.9 against 0.5 and 0.6 only
        Assert.Equal((1.0, 1), (tl.Auc!.Value, tl.Negatives));  // 0.4 against the 4-class model's 0.2
        // the overall ROC still pools every stolen and every independent model: 0.4 ranks below 0.5 and 0.6
        Assert.Equal(4.0 / 6, m.Auc!.Value, 9);
    }

    [Fact]
    public void WithoutIndependentsInThatLabelSpaceEveryIndependentCounts()
    {
        ModelScore[] scores =
        [
            S("tl", Stolen, "Transfer-L", 0.55, 4),
            S("i1", Independent, "independent", 0.5, 10), S("i2", Independent, "independent", 0.6, 10),
        ];
        var tl = EvaluationMetrics.Summarize("m", ScoreDirection.HigherIsStolen, scores, ["Transfer-L"], 0.01, 0, 10).Categories.Single();
        Assert.Equal((0.5, 2), (tl.Auc!.Value, tl.Negatives));
    }

    [Fact]
    public void ScoresWithoutAClassCountUseEveryIndependent()
    {
        ModelScore[] scores =
        [
            S("a", Stolen, "Extract-L", 0.7, null),
            S("i1", Independent, "independent", 0.5, 10), S("i2", Independent, "independent", 0.8, 4),
        ];
        Assert.Equal(2, EvaluationMetrics.NegativesFor([scores[0]], scores).Count);
    }
}
