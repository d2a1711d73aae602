using Lineage.Statistics;

namespace Lineage.Evaluation.Report;

/// <summary>A plot with the file stem it is saved under and a caption for the report.</summary>
public sealed record NamedPlot(string FileStem, string Caption, SvgPlot Plot);

/// <summary>The report's figures: ROC curves of every method; per method, the score of every model by attack
/// category with the decision threshold; and score against the suspect's test accuracy (SAC Fig. 2a).</summary>
public static class EvaluationPlots
{
    const string ThresholdColor = "#444444";

    public static IReadOnlyList<NamedPlot> All(EvaluationResult result)
    {
        var plots = new List<NamedPlot> { Roc(result) };
        foreach (var m in result.Methods)
        {
            plots.Add(Distribution(result, m));
            plots.Add(Accuracy(result, m));
        }
        return plots;
    }

    public static NamedPlot Roc(EvaluationResult result)
    {
        var plot = new SvgPlot { Title = "ROC: all stolen vs all independent models", XLabel = "False positive rate", YLabel = "True positive rate", XMin = 0, XMax = 1, YMin = 0, YMax = 1 };
        for (int i = 0; i < result.Methods.Count; i++)
        {
            var m = result.Methods[i];
            var auc = m.Auc is double a ? $" (AUC {a:0.00})" : " (no scores)";
            plot.Series.Add(new PlotSeries(m.Method + auc, m.Roc.Select(p => new PlotPoint(p.FalsePositiveRate, p.TruePositiveRate)).ToList(), SeriesKind.Line, SvgPlot.Palette[i % SvgPlot.Palette.Length]));
        }
        plot.Series.Add(new PlotSeries("chance", [new(0, 0), new(1, 1)], SeriesKind.Line, "#999999", Dashed: true));
        return new NamedPlot("roc", "ROC curves per method; the area under each is the AUC in the tables.", plot);
    }

    public static NamedPlot Distribution(EvaluationResult result, MethodSummary method)
    {
        var groups = new List<(string Name, List<ModelScore> Models)>
        {
            ("indep. (calibration)", Scored(result, method).Where(s => s.IsIndependent && s.UsedForCalibration).ToList()),
            ("indep. (held out)", Scored(result, method).Where(s => s.IsIndependent && !s.UsedForCalibration).ToList()),
        };
        groups.AddRange(result.Categories.Select(c => (c, Scored(result, method).Where(s => s.IsStolen && s.Category == c).ToList())));
        var plot = new SvgPlot
        {
            Title = $"{method.Method}: scores by attack category",
            XLabel = "Attack category",
            YLabel = ScoreLabel(method),
            XCategories = groups.Select(g => g.Name).ToList(),
        };
        var independent = new List<PlotPoint>();
        var stolen = new List<PlotPoint>();
        for (int g = 0; g < groups.Count; g++)
        {
            var models = groups[g].Models.OrderBy(s => s.Score).ToList();
            for (int k = 0; k < models.Count; k++)
            {
                // Spread a group's models a little sideways so equal scores stay visible.
                double offset = models.Count == 1 ? 0 : (k / (double)(models.Count - 1) - 0.5) * 0.4;
                (models[k].IsStolen ? stolen : independent).Add(new PlotPoint(g + offset, models[k].Score!.Value));
            }
        }
        plot.Series.Add(new PlotSeries("independent model", independent, SeriesKind.Markers, SvgPlot.Palette[0]));
        plot.Series.Add(new PlotSeries("stolen model", stolen, SeriesKind.Markers, SvgPlot.Palette[1]));
        if (method.Threshold is double t) plot.References.Add(new ReferenceLine($"threshold {t:G3}", t, ThresholdColor));
        return new NamedPlot($"scores-{method.Method}", $"{method.Method}: every model's score by attack category; {Direction(method)}. Dashed: the calibrated decision threshold.", plot);
    }

    public static NamedPlot Accuracy(EvaluationResult result, MethodSummary method)
    {
        var plot = new SvgPlot { Title = $"{method.Method}: score vs test accuracy", XLabel = "Suspect's test accuracy (%)", YLabel = ScoreLabel(method) };
        var withAccuracy = Scored(result, method).Where(s => s.TestAccuracy is not null).ToList();
        plot.Series.Add(new PlotSeries("independent model", withAccuracy.Where(s => s.IsIndependent).Select(Point).ToList(), SeriesKind.Markers, SvgPlot.Palette[0]));
        int color = 1;
        foreach (var c in result.Categories)
        {
            var points = withAccuracy.Where(s => s.IsStolen && s.Category == c).Select(Point).ToList();
            // a category keeps its colour and shape even when another has no points; past the palette, shapes tell them apart
            int k = color++;
            var palette = SvgPlot.Palette[k % SvgPlot.Palette.Length];
            var shape = (MarkerShape)(k / SvgPlot.Palette.Length % 3);
            if (points.Count > 0) plot.Series.Add(new PlotSeries(c, points, SeriesKind.Markers, palette, Shape: shape));
        }
        if (method.Threshold is double t) plot.References.Add(new ReferenceLine($"threshold {t:G3}", t, ThresholdColor));
        return new NamedPlot($"accuracy-{method.Method}", $"{method.Method}: score against each suspect's test accuracy (SAC Fig. 2a); models without a recorded accuracy are left out.", plot);

        static PlotPoint Point(ModelScore s) => new(s.TestAccuracy!.Value * 100, s.Score!.Value);
    }

    static IEnumerable<ModelScore> Scored(EvaluationResult result, MethodSummary method)
        => result.Scores.Where(s => s.Method == method.Method && s.Score is not null);

    static string ScoreLabel(MethodSummary m) => m.Direction == ScoreDirection.LowerIsStolen ? "Score (correlation distance, lower = stolen)" : "Score (matching rate, higher = stolen)";

    static string Direction(MethodSummary m) => m.Direction == ScoreDirection.LowerIsStolen ? "lower scores look stolen" : "higher scores look stolen";
}
