using Lineage.Statistics;

namespace Lineage.Evaluation;

/// <summary>
/// The combined verdict as one more row of an evaluation: for each suspect, the p-values the methods already gave
/// (<see cref="ModelScore.PValue"/>) combined into one (<see cref="PValueCombination"/>), flagged at the target FPR. No
/// query is sent: it costs the sum of the methods' queries, as verifying a bundle of them would.
/// </summary>
public static class CombinedScores
{
    public static string MethodName(PValueCombiner combiner) => "combined-" + PValueCombination.Name(combiner);

    public static IReadOnlyList<ModelScore> Of(IReadOnlyList<ModelScore> scores, PValueCombiner combiner, double targetFpr)
    {
        var name = MethodName(combiner);
        return scores.GroupBy(s => s.ModelId).Select(g =>
        {
            var first = g.First();
            var parts = g.Where(s => s.PValue is not null).ToList();
            var entry = new ModelScore
            {
                Method = name, ModelId = first.ModelId, ModelHash = first.ModelHash, Role = first.Role, Category = first.Category,
                TestAccuracy = first.TestAccuracy, Classes = first.Classes, UsedForCalibration = first.UsedForCalibration,
                Queries = parts.Sum(s => s.Queries), VerifySeconds = parts.Sum(s => s.VerifySeconds),
                Representation = string.Join(" + ", parts.Select(s => s.Method)),
            };
            if (parts.Count == 0) return entry with { Note = "no method gave a p-value for this model" };
            double p = PValueCombination.Combine(combiner, parts.Select(s => s.PValue!.Value).ToList());
            return entry with { Score = p, PValue = p, Threshold = targetFpr, Flagged = p <= targetFpr };
        }).ToList();
    }
}
