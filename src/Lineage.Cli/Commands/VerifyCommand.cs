using System.CommandLine;
using System.Text.Json;
using Lineage.Fingerprints;
using Lineage.Suspects;
using Spectre.Console;

namespace Lineage.Cli.Commands;

/// <summary>`lineage verify`: judge suspects (black-box) against a fingerprint.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var fingerprint = new Option<string>("--fingerprint", "-f") { Description = "Fingerprint file", Required = true };
        var suspects = new Option<string[]>("--suspect", "-s") { Description = "Suspects: Lineage or ONNX model files, or Open Inference URLs http://HOST:PORT/v2/models/NAME", Required = true, AllowMultipleArgumentsPerToken = true };
        var mode = new Option<OutputMode>("--mode") { Description = "What the suspect reveals: logits, probabilities, topk or label", DefaultValueFactory = _ => OutputMode.Logits };
        var topK = new Option<int>("--top-k") { DefaultValueFactory = _ => 1 };
        var budget = new Option<long?>("--budget") { Description = "Hard limit on images sent to each suspect, retries included" };
        var runtime = new Option<OnnxSuspectRuntime>("--runtime") { Description = "What runs .onnx suspects: onnxruntime (every standard op) or engine (the importer white-box sources use)", DefaultValueFactory = _ => OnnxSuspectRuntime.OnnxRuntime };
        var json = new Option<bool>("--json");
        var remote = new RemoteOptions();
        var cmd = new Command("verify", "Send a fingerprint's queries to suspects and decide whether each was derived from the source");
        foreach (var o in new Option[] { fingerprint, suspects, mode, topK, budget, runtime, json }) cmd.Options.Add(o);
        remote.AddTo(cmd);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            if (r.GetValue(budget) is < 0) throw new ArgumentException($"--budget must be zero or more, not {r.GetValue(budget)}");
            var fp = FingerprintFile.Load(r.GetValue(fingerprint)!);
            var verdicts = r.GetValue(suspects)!
                .Select(s => FingerprintVerifier.Verify(fp,
                    SuspectFactory.Open(s, fp.Preprocessing, r.GetValue(mode), r.GetValue(topK), remote.Options(r, r.GetValue(mode), r.GetValue(topK), r.GetValue(budget), fp.Classes), r.GetValue(runtime)),
                    r.GetValue(budget)))
                .ToList();
            if (r.GetValue(json)) { Console.WriteLine(JsonSerializer.Serialize(verdicts.Select(VerdictJson.Of))); return 0; }
            Print(verdicts);
            return 0;
        }));
        return cmd;
    }

    internal static void Print(IEnumerable<Verdict> verdicts)
    {
        var table = new Table().AddColumns("suspect", "method", "score", "threshold", "verdict", "p-value", "queries");
        foreach (var v in verdicts)
            table.AddRow(Markup.Escape(v.Suspect), v.Method, v.Score.ToString("G4"), (v.Direction == Statistics.ScoreDirection.LowerIsStolen ? "<= " : ">= ") + v.Threshold.ToString("G4"),
                v.Stolen ? "[red]stolen[/]" : "[green]independent[/]", v.PValue is double p ? p.ToString("G3") : "-", v.QueriesSpent.ToString());
        AnsiConsole.Write(table);
        foreach (var rule in verdicts.Select(v => v.RuleBasis).Distinct()) AnsiConsole.MarkupLine($"[grey]rule: {Markup.Escape(rule)}[/]");
        foreach (var basis in verdicts.Select(v => v.PValueBasis).OfType<string>().Distinct()) AnsiConsole.MarkupLine($"[grey]p-value: {Markup.Escape(basis)}[/]");
    }
}

/// <summary>The JSON shape of a verdict (snake_case, stable for machines).</summary>
internal static class VerdictJson
{
    public static object Of(Verdict v) => new
    {
        suspect = v.Suspect,
        method = v.Method,
        score = v.Score,
        threshold = v.Threshold,
        direction = v.Direction == Statistics.ScoreDirection.LowerIsStolen ? "lower_is_stolen" : "higher_is_stolen",
        verdict = v.Decision,
        stolen = v.Stolen,
        p_value = v.PValue,
        p_value_basis = v.PValueBasis,
        guaranteed_fpr = v.GuaranteedFpr,
        rule = v.RuleBasis,
        representation = v.Representation,
        queries = v.QueriesSpent,
    };
}
