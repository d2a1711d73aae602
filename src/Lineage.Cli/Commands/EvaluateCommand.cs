using System.CommandLine;
using System.Text.Json;
using Lineage.Evaluation;
using Lineage.Evaluation.Report;
using Lineage.Fingerprints;
using Lineage.Suspects;

namespace Lineage.Cli.Commands;

/// <summary>`lineage evaluate`: fingerprint a zoo's source once per method, verify every suspect, write the report.</summary>
internal static class EvaluateCommand
{
    static IEnumerable<string> WithoutKit => FingerprintCatalog.All.Where(m => !m.Info.Has(MethodNeeds.KitReferences) && !m.Info.Has(MethodNeeds.KitSurrogates)).Select(m => m.Info.Name);

    public static Command Create()
    {
        var zoo = new Option<string>("--zoo") { Description = "Zoo directory (with manifest.json)", Required = true };
        var source = new Option<string?>("--source") { Description = "Id of the source to fingerprint when the zoo has several (its models stolen from other sources are left out)" };
        var methods = new Option<string>("--methods") { Description = "Comma-separated methods: " + string.Join(", ", FingerprintCatalog.Names) + " (default: every method that needs no kit)", DefaultValueFactory = _ => string.Join(",", WithoutKit) };
        var outDir = new Option<string>("--out", "-o") { Description = "Output folder (reports; cache/ lets an interrupted run resume)", Required = true };
        var fpr = new Option<double>("--fpr") { Description = "Target false-positive rate of each fingerprint's calibrated threshold", DefaultValueFactory = _ => 0.05 };
        var reportFpr = new Option<double>("--report-fpr") { Description = "False-positive rate at which TPR is reported", DefaultValueFactory = _ => 0.01 };
        var mode = new Option<OutputMode>("--mode") { Description = "What every suspect reveals: logits, probabilities, topk or label", DefaultValueFactory = _ => OutputMode.Logits };
        var topK = new Option<int>("--top-k") { Description = "k for --mode topk", DefaultValueFactory = _ => 1 };
        var kit = new Option<string?>("--kit") { Description = "The owner's kit (lineage kit build): methods learn from it and thresholds are calibrated on its references; it must share no model with the zoo" };
        var param = new Option<string[]>("--param", "-p") { Description = "A method parameter as METHOD.key=value (repeatable), e.g. -p sac-m.samples=50 -p ipguard.max_steps=300", AllowMultipleArgumentsPerToken = true };
        var seed = new Option<int>("--seed") { Description = "Seed of fingerprint creation and of the calibration split", DefaultValueFactory = _ => 0 };
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder searched first for the zoo's dataset files" };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON on stdout" };
        var cmd = new Command("evaluate", "Benchmark fingerprint methods on a zoo of stolen and independent models");
        foreach (var o in new Option[] { zoo, source, methods, outDir, kit, fpr, reportFpr, mode, topK, param, seed, dataDir, json }) cmd.Options.Add(o);
        cmd.SetAction((r, cancel) => Task.FromResult(CommandErrors.Guard(() =>
        {
            var options = new EvaluationOptions
            {
                Source = r.GetValue(source),
                Methods = r.GetValue(methods)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                TargetFpr = r.GetValue(fpr),
                ReportFpr = r.GetValue(reportFpr),
                Mode = r.GetValue(mode),
                TopK = r.GetValue(topK),
                Parameters = FingerprintCatalog.ParseParameters(r.GetValue(param) ?? []),
                Seed = r.GetValue(seed),
                Kit = r.GetValue(kit),
                CalibrationSeed = r.GetValue(seed) + 1,
            };
            var progress = new SyncProgress<string>(line => Console.Error.WriteLine(line));
            var result = ZooEvaluation.Run(r.GetValue(zoo)!, r.GetValue(outDir)!, options, progress, r.GetValue(dataDir), cancel);
            if (r.GetValue(json)) { Console.WriteLine(JsonSerializer.Serialize(result, EvaluationReport.Json)); return 0; }
            var auc = ReportTables.Auc(result);
            foreach (var row in auc.Rows.Prepend(auc.Headers))
                Console.WriteLine(string.Join("  ", row.Select((c, i) => i == 0 ? c.PadRight(18) : c.PadLeft(8))));
            Console.WriteLine($"report: {Path.Combine(r.GetValue(outDir)!, "report.html")}");
            return 0;
        })));
        return cmd;
    }
}
