using Lineage.Statistics;

namespace Lineage.Evaluation;

/// <summary>
/// Turns one method's scores into the reported metrics. AUC, TPR@FPR and ARUC are threshold-free and use
/// every suspect; the detection rate and held-out FPR use the fingerprint's calibrated threshold and, for
/// the FPR, only independent models the threshold was not calibrated on.
/// </summary>
public static class EvaluationMetrics
{
    /// <summary>The order SAC's tables list attack families in.</summary>
    public static IReadOnlyList<string> OrderCategories(IEnumerable<string> categories)
        => categories.Distinct().OrderBy(c => (int)CategoryFamilies.Of(c)).ThenBy(c => c, StringComparer.Ordinal).ToList();

    public static MethodSummary Summarize(string method, ScoreDirection direction, IReadOnlyList<ModelScore> scores,
        IReadOnlyList<string> categories, double reportFpr, double createSeconds, int queryCount)
    {
        var scored = scores.Where(s => s.Score is not null).ToList();
        var negatives = scored.Where(s => s.IsIndependent).Select(s => s.Score!.Value).ToList();
        var positives = scored.Where(s => s.IsStolen).Select(s => s.Score!.Value).ToList();
        var perCategory = categories.Select(c =>
        {
            var stolen = scored.Where(s => s.IsStolen && s.Category == c).ToList();
            var p = stolen.Select(s => s.Score!.Value).ToList();
            var n = NegativesFor(stolen, scored).Select(s => s.Score!.Value).ToList();
            double? auc = p.Count > 0 && n.Count > 0 ? RocAuc.Compute(p, n, direction) : null;
            return new CategoryAuc(c, CategoryFamilies.Of(c), p.Count, auc, n.Count);
        }).ToList();

        RocCurve? roc = positives.Count > 0 && negatives.Count > 0 ? RocCurve.Compute(positives, negatives, direction) : null;
        TprAtFprResult? tpr = roc is null ? null : TprAtFpr.Compute(positives, negatives, reportFpr, direction);
        TprAtFprResult? strict = roc is null ? null : TprAtFpr.Compute(positives, negatives, reportFpr / 10, direction);
        ScoreRange? range = roc is null ? null : ArucRange(direction, scored.Select(s => s.Score!.Value).ToList());
        double? aruc = roc is null ? null : Aruc.Compute(positives, negatives, direction, range!.Value);

        var judged = scores.Where(s => s.Flagged is not null).ToList();
        var stolenJudged = judged.Where(s => s.IsStolen).ToList();
        var heldOut = judged.Where(s => s.IsIndependent && !s.UsedForCalibration).ToList();
        var first = scored.FirstOrDefault(s => s.Threshold is not null);
        return new MethodSummary
        {
            Method = method,
            Direction = direction,
            Threshold = first?.Threshold,
            Representation = first?.Representation ?? "",
            CreateSeconds = createSeconds,
            QueryCount = queryCount,
            // Costs are per verdict: a suspect the method could not score gave none.
            MeanVerifySeconds = scored.Count == 0 ? 0 : scored.Average(s => s.VerifySeconds),
            QueriesPerVerdict = scored.Count == 0 ? 0 : scored.Average(s => (double)s.Queries),
            Categories = perCategory,
            Average = Mean(perCategory.Where(c => CategoryFamilies.InAverage(c.Category))),
            TransferAverage = Mean(perCategory.Where(c => CategoryFamilies.InTransferAverage(c.Category))),
            Auc = roc?.Auc,
            Roc = roc?.Points ?? [],
            TprAtReportFpr = tpr?.TruePositiveRate,
            TprAtStrictFpr = strict?.TruePositiveRate,
            AchievedFpr = tpr?.AchievedFpr,
            Aruc = aruc,
            ArucLow = range?.Low,
            ArucHigh = range?.High,
            DetectionRate = stolenJudged.Count == 0 ? null : stolenJudged.Count(s => s.Flagged == true) / (double)stolenJudged.Count,
            HeldOutFpr = heldOut.Count == 0 ? null : heldOut.Count(s => s.Flagged == true) / (double)heldOut.Count,
            HeldOutIndependents = heldOut.Count,
        };
    }

    /// <summary>
    /// The null models a category is judged against. SAC's transfer rows compare transferred models with
    /// "irrelevant-new" models trained for the new task. So when a category's models all answer with one number of
    /// classes and the zoo holds independent models with that many, only those count; otherwise (models of mixed
    /// label spaces, no independent in theirs, or scores without a recorded class count) every independent does.
    /// </summary>
    public static IReadOnlyList<ModelScore> NegativesFor(IReadOnlyList<ModelScore> stolen, IReadOnlyList<ModelScore> scored)
    {
        var all = scored.Where(s => s.IsIndependent).ToList();
        var spaces = stolen.Select(s => s.Classes).Distinct().ToList();
        if (spaces.Count != 1 || spaces[0] is not int classes) return all;
        var same = all.Where(s => s.Classes == classes).ToList();
        return same.Count > 0 ? same : all;
    }

    /// <summary>
    /// ARUC integrates over a score interval. Matching rates (higher is stolen) already live in [0, 1], as
    /// IPGuard defines ARUC. SAC's distances have no fixed upper end that every correlation kind shares, so
    /// they are mapped onto [0, 1] linearly by the observed minimum and maximum over all suspects — a
    /// monotone map, so R(t), U(t) and the ranking are unchanged and ARUC stays comparable across methods.
    /// </summary>
    public static ScoreRange ArucRange(ScoreDirection direction, IReadOnlyList<double> scores)
    {
        if (direction == ScoreDirection.HigherIsStolen && scores.All(s => s is >= 0 and <= 1)) return ScoreRange.Unit;
        double low = scores.Min(), high = scores.Max();
        return high > low ? new ScoreRange(low, high) : new ScoreRange(low - 0.5, low + 0.5);
    }

    static double? Mean(IEnumerable<CategoryAuc> rows)
    {
        var values = rows.Where(r => r.Auc is not null).Select(r => r.Auc!.Value).ToList();
        return values.Count == 0 ? null : values.Average();
    }
}
