using Lineage.Files;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lineage.Evaluation.Report;

/// <summary>Writes an evaluation's outputs: <c>results.json</c>, <c>scores.csv</c>, <c>summary.md</c> with
/// <c>plots/*.svg</c>, and the self-contained <c>report.html</c>. Each file is replaced atomically.</summary>
public static class EvaluationReport
{
    public const string PlotFolder = "plots";

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void WriteAll(EvaluationResult result, string outDir)
    {
        Directory.CreateDirectory(outDir);
        var tables = ReportTables.All(result);
        var plots = EvaluationPlots.All(result);
        var facts = Facts(result);
        var title = $"Lineage evaluation: {string.Join(", ", result.Methods.Select(m => m.Method))} on the {result.Dataset} zoo";
        AtomicFile.WriteAllText(Path.Combine(outDir, "results.json"), JsonSerializer.Serialize(result, Json));
        AtomicFile.WriteAllText(Path.Combine(outDir, "scores.csv"), ScoresCsv.Render(result.Scores));
        foreach (var p in plots) AtomicFile.WriteAllText(Path.Combine(outDir, PlotFolder, p.FileStem + ".svg"), p.Plot.Render());
        AtomicFile.WriteAllText(Path.Combine(outDir, "summary.md"), MarkdownSummary.Render(title, facts, tables, plots, PlotFolder));
        AtomicFile.WriteAllText(Path.Combine(outDir, "report.html"), HtmlReport.Render(title, facts, tables, plots));
    }

    public static EvaluationResult ReadResults(string outDir)
        => JsonSerializer.Deserialize<EvaluationResult>(File.ReadAllText(Path.Combine(outDir, "results.json")), Json)
           ?? throw new InvalidDataException($"{outDir}/results.json is empty");

    static IReadOnlyList<(string, string)> Facts(EvaluationResult r)
    {
        var c = CultureInfo.InvariantCulture;
        int stolen = r.Scores.Where(s => s.IsStolen).Select(s => s.ModelId).Distinct().Count();
        int independent = r.Scores.Where(s => s.IsIndependent).Select(s => s.ModelId).Distinct().Count();
        return
        [
            ("Zoo", r.Zoo + (r.SpecHash.Length > 0 ? $" (spec {r.SpecHash[..Math.Min(12, r.SpecHash.Length)]})" : "")),
            ("Source", r.Source.Length > 0 ? r.Source : "–"),
            ("Dataset", r.Dataset),
            ("Suspects", $"{stolen} stolen in {r.Categories.Count} attack categories, {independent} independent"),
            ("Suspect output", r.Mode),
            ("Decision threshold", r.Kit is string kit
                ? $"conformal rank rule at target FPR {r.TargetFpr.ToString("0.###", c)} on the kit's references ({string.Join(", ", r.CalibrationModels)}), less those a method learns from (each method's count in the methods table); every independent model of the zoo is held out"
                : $"conformal rank rule at target FPR {r.TargetFpr.ToString("0.###", c)} on {r.CalibrationModels.Count} independent models ({string.Join(", ", r.CalibrationModels)})"),
            ("Owner's kit", r.Kit ?? "none (methods that learn from models were not run)"),
            ("Metrics", $"AUC, TPR@{(r.ReportFpr * 100).ToString("0.##", c)}%FPR and ARUC are threshold-free over all suspects"),
        ];
    }
}
