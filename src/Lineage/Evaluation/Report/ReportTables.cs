using System.Globalization;
using Lineage.Statistics;

namespace Lineage.Evaluation.Report;

/// <summary>The report's tables, built once from the result so the HTML page and the Markdown summary agree.</summary>
public static class ReportTables
{
    public const string Missing = "–";

    /// <summary>A share as a percentage with one decimal (0.891 → "89.1%"), or <see cref="Missing"/>.</summary>
    public static string Percent(double? share) => share is double a ? (a * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : Missing;

    public static IReadOnlyList<ReportTable> All(EvaluationResult result) => [Auc(result), Methods(result), Scores(result)];

    /// <summary>SAC Tables 1–2: rows are attack categories, columns methods; a category's AUC is its stolen models against
    /// the independent models of their label space (<see cref="EvaluationMetrics.NegativesFor"/>).</summary>
    public static ReportTable Auc(EvaluationResult result)
    {
        var rows = new List<IReadOnlyList<string>>();
        var summary = new HashSet<int>();
        void Add(string name, Func<MethodSummary, double?> value, bool isSummary = false)
        {
            if (isSummary) summary.Add(rows.Count);
            rows.Add([name, .. result.Methods.Select(m => F(value(m)))]);
        }
        foreach (var c in result.Categories.Where(c => !CategoryFamilies.InTransferAverage(c)))
            Add(c, m => m.Categories.First(x => x.Category == c).Auc);
        Add("Average", m => m.Average, isSummary: true);
        var transfer = result.Categories.Where(CategoryFamilies.InTransferAverage).ToList();
        foreach (var c in transfer) Add(c, m => m.Categories.First(x => x.Category == c).Auc);
        if (transfer.Count > 0) Add("Transfer-Average", m => m.TransferAverage, isSummary: true);
        Add("All stolen", m => m.Auc, isSummary: true);
        return new ReportTable("AUC per attack category (SAC Tables 1–2)", ["Attack (AUC ↑)", .. result.Methods.Select(m => m.Method)], rows, summary,
            "Each row: that category's stolen models against the independent models with the same number of classes when the zoo has any "
            + "(SAC's irrelevant-new models for transfer rows), otherwise against all independent models. "
            + "Average: mean over fine-tuning, pruning and extraction categories; Transfer-Average: over transfer categories; "
            + $"{Missing}: no score (the method cannot read these suspects).");
    }

    /// <summary>Threshold-free detection (TPR at the report FPR, ARUC), the calibrated rule, and cost (SAC Table 5).</summary>
    public static ReportTable Methods(EvaluationResult result)
    {
        var rows = result.Methods.Select(m => (IReadOnlyList<string>)
        [
            m.Method,
            F(m.TprAtReportFpr),
            F(m.TprAtStrictFpr),
            F(m.Aruc) + (m.ArucLow is double lo && m.ArucHigh is double hi ? $" on [{lo:G3}, {hi:G3}]" : ""),
            m.Threshold is double t ? $"{(m.Direction == ScoreDirection.LowerIsStolen ? "≤" : "≥")} {t:G4}" : Missing,
            F(m.DetectionRate),
            m.CalibratedOn is int calibrated ? calibrated.ToString(CultureInfo.InvariantCulture) : Missing,
            m.HeldOutFpr is double f ? $"{f:0.00} ({m.HeldOutIndependents})" : Missing,
            F(result.TargetFpr) + (m.GuaranteedFpr is double g && g > result.TargetFpr + 1e-12 ? $" (guaranteed {g:0.00})" : ""),
            m.QueryCount.ToString(CultureInfo.InvariantCulture),
            m.CreateSeconds.ToString("0.00", CultureInfo.InvariantCulture),
            m.MeanVerifySeconds.ToString("0.000", CultureInfo.InvariantCulture),
            m.QueriesPerVerdict.ToString("0", CultureInfo.InvariantCulture),
        ]).ToList();
        var pct = (result.ReportFpr * 100).ToString("0.##", CultureInfo.InvariantCulture);
        var strictPct = (result.ReportFpr * 10).ToString("0.###", CultureInfo.InvariantCulture);
        return new ReportTable("Per method: detection, decision rule and cost (SAC Table 5)",
            ["Method", $"TPR@{pct}%FPR", $"TPR@{strictPct}%FPR", "ARUC", "Threshold", "Detected at threshold", "Calibrated on", "Held-out FPR (n)", "Target FPR", "Queries", "Create (s)", "Verify (s/suspect)", "Queries/verdict"],
            rows, new HashSet<int>(),
            $"TPR@FPR and ARUC use every suspect and no threshold. The threshold is calibrated at target FPR {result.TargetFpr:0.###} on "
            + (result.Kit is null ? $"the independent models {string.Join(", ", result.CalibrationModels)}; 'Held-out FPR' is measured on the other independent models only."
                                  : $"the kit's references ({result.CalibrationModels.Count} in the kit; a method that learns from some of them calibrates on the rest, and 'Calibrated on' gives each method's count); 'Held-out FPR' is measured on every independent model of the zoo.")
            + " The conformal rule guarantees the target FPR for independent models "
            + "calibration never saw when it has at least 1/FPR − 1 calibration models; with fewer it guarantees only 1/(n+1), shown in brackets.");
    }

    /// <summary>Every model's score under every method.</summary>
    public static ReportTable Scores(EvaluationResult result)
    {
        var models = result.Scores.GroupBy(s => s.ModelId).Select(g => g.ToList()).ToList();
        var rows = models.Select(g => (IReadOnlyList<string>)
        [
            g[0].ModelId,
            g[0].Role + (g[0].UsedForCalibration ? " (calibration)" : ""),
            g[0].Category,
            Percent(g[0].TestAccuracy),
            .. result.Methods.Select(m => g.FirstOrDefault(s => s.Method == m.Method) is { Score: double v } s ? $"{v:G4}{(s.Flagged == true ? " ●" : "")}" : Missing),
        ]).ToList();
        return new ReportTable("Every model's score", ["Model", "Role", "Category", "Test accuracy", .. result.Methods.Select(m => m.Method)], rows, new HashSet<int>(),
            "● marks a model flagged as stolen at the method's threshold.");
    }

    static string F(double? v) => v is double d ? d.ToString("0.00", CultureInfo.InvariantCulture) : Missing;
}
