using System.CommandLine;
using System.Text.Json;
using Lineage.Demo;
using Lineage.Statistics;
using Lineage.Verification;
using Spectre.Console;

namespace Lineage.Cli.Commands;

/// <summary>`lineage demo`: the whole loop on built-in data, in about two minutes.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "auto (Fashion-MNIST when installed, else the built-in shapes), shapes, or an installed dataset such as fashion-mnist", DefaultValueFactory = _ => DemoOptions.Auto };
        var dataDir = new Option<string?>("--data-dir");
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 8 };
        var count = new Option<int>("--train-count") { Description = "Training images before the owner/thief split", DefaultValueFactory = _ => 8000 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1 };
        var keep = new Option<string?>("--keep") { Description = "Folder to keep the demo's models and fingerprints in" };
        var fpr = new Option<double>("--fpr") { Description = "False-positive rate the combined verdict controls", DefaultValueFactory = _ => 0.01 };
        var calibration = new Option<int>("--calibration-models") { Description = "Independent models the owner trains to calibrate on (at least 2)", DefaultValueFactory = _ => new DemoOptions().CalibrationModels };
        var json = new Option<bool>("--json");
        var cmd = new Command("demo", "Train a source, steal it twice, train an independent model, fingerprint the source (SAC-m, IPGuard, AKH) and judge all three suspects, method by method and combined");
        foreach (var o in new Option[] { data, dataDir, epochs, count, seed, keep, fpr, calibration, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var options = new DemoOptions { Data = r.GetValue(data)!, DataDir = r.GetValue(dataDir), Epochs = r.GetValue(epochs), TrainCount = r.GetValue(count), Seed = r.GetValue(seed), KeepDirectory = r.GetValue(keep), CombinedFpr = r.GetValue(fpr), CalibrationModels = r.GetValue(calibration) };
            var result = ProgressDisplay.Run("training", p => DemoRun.Run(options, new SyncProgress<string>(s => Console.Error.WriteLine($"[demo] {s}")), p));
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    data = result.DataDescription,
                    source_test_accuracy = result.SourceAccuracy,
                    fingerprint_seconds = result.FingerprintSeconds,
                    seconds = result.Elapsed.TotalSeconds,
                    suspects = result.Rows.Select(row => new { suspect = row.Suspect, truth = row.Truth, lineage = row.Lineage, test_accuracy = row.TestAccuracy, verdicts = row.Verdicts.Select(VerdictJson.Of), combined = CombinedVerdictJson.Of(row.Combined) }),
                }));
                return 0;
            }
            Print(result);
            return 0;
        }));
        return cmd;
    }

    static void Print(DemoResult result)
    {
        AnsiConsole.MarkupLine($"source trained on [bold]{Markup.Escape(result.DataDescription)}[/], test accuracy {result.SourceAccuracy:P1}");
        var table = new Table().AddColumns("suspect", "truth", "test acc.");
        var methods = result.Rows[0].Verdicts.Select(v => v.Method).ToList();
        foreach (var m in methods) table.AddColumn($"{m} score (threshold)").AddColumn($"{m} verdict");
        foreach (var row in result.Rows)
        {
            var cells = new List<string> { Markup.Escape(row.Suspect), row.Truth, row.TestAccuracy is double a ? a.ToString("P1") : "-" };
            foreach (var v in row.Verdicts)
            {
                string op = v.Direction == ScoreDirection.LowerIsStolen ? "≤" : "≥";
                cells.Add($"{v.Score:0.000} ({op} {v.Threshold:0.000})");
                bool right = v.Stolen == (row.Truth == "stolen");
                cells.Add((v.Stolen ? "stolen" : "independent") + (right ? " [green]✓[/]" : " [red]✗[/]"));
            }
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
        double fpr = result.Rows[0].Combined.Fpr;
        var combined = new Table().AddColumns("suspect", "truth", "smallest method p", "combined p", $"verdict at FPR {fpr:0.###}", "queries");
        foreach (var row in result.Rows)
        {
            var c = row.Combined;
            bool right = c.Stolen == (row.Truth == "stolen");
            var carrier = c.Parts.Where(x => x.Contributes).MinBy(x => x.Verdict!.PValue);
            combined.AddRow(Markup.Escape(row.Suspect), row.Truth, carrier is null ? "-" : $"{carrier.Verdict!.PValue:G2} ({carrier.Method})", c.PValue is double p ? p.ToString("G2") : "-",
                $"[bold]{c.Decision}[/]" + (right ? " [green]✓[/]" : " [red]✗[/]"), c.QueriesSpent.ToString());
        }
        AnsiConsole.Write(combined);
        foreach (var (m, s) in result.FingerprintSeconds) AnsiConsole.MarkupLine($"[grey]{m}: fingerprint made in {s:0.0} s; {Markup.Escape(result.Rows[0].Verdicts.First(v => v.Method == m).RuleBasis)}[/]");
        AnsiConsole.MarkupLine($"[grey]combined: {Markup.Escape(result.Rows[0].Combined.Basis)}, stolen when p ≤ {fpr:0.###}[/]");
        AnsiConsole.MarkupLine($"[grey]done in {result.Elapsed.TotalSeconds:0} s[/]");
    }
}
