using System.CommandLine;
using System.Text.Json;
using Lineage.Fingerprints;
using Lineage.Suspects;
using Lineage.Verification;
using Spectre.Console;

namespace Lineage.Cli.Commands;

/// <summary>`lineage verify`: judge suspects (black-box) against a fingerprint.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var fingerprint = new Option<string>("--fingerprint", "-f") { Description = "Fingerprint file, or a bundle of several (lineage fingerprint bundle)", Required = true };
        var suspects = new Option<string[]>("--suspect", "-s") { Description = "Suspects: Lineage or ONNX model files, or Open Inference URLs http://HOST:PORT/v2/models/NAME", Required = true, AllowMultipleArgumentsPerToken = true };
        var mode = new Option<OutputMode?>("--mode") { Description = "What the suspect reveals: logits, probabilities, topk or label (default: logits for files; detected with one probe query for Open Inference APIs)" };
        var topK = new Option<int>("--top-k") { DefaultValueFactory = _ => 1 };
        var budget = new Option<long?>("--budget") { Description = "Hard limit on images sent to each suspect, retries included" };
        var runtime = new Option<OnnxSuspectRuntime>("--runtime") { Description = "What runs .onnx suspects: onnxruntime (every standard op) or engine (the importer white-box sources use)", DefaultValueFactory = _ => OnnxSuspectRuntime.OnnxRuntime };
        var json = new Option<bool>("--json");
        var combine = new Option<string>("--combine") { Description = "How a bundle's p-values become one: bonferroni (default), hmp (harmonic mean, Vovk-Wang corrected) or fisher (assumes independent methods)", DefaultValueFactory = _ => "bonferroni" };
        var fpr = new Option<double?>("--fpr") { Description = "False-positive rate the combined verdict controls (default: the fingerprints' target FPR)" };
        var evidence = new Option<string?>("--evidence") { Description = "Write an evidence package to this new folder: queries, answers, request log, calibration, verdict, report.html and a manifest of hashes" };
        var signKey = new Option<string?>("--sign-key") { Description = "Sign the evidence manifest with this private key (lineage key create)" };
        var sequential = new Option<bool>("--sequential") { Description = "Send queries in rounds and stop as soon as the decision is reached at the stated error rates (methods scoring per-query agreements; the others get all their queries)" };
        var roundSize = new Option<int>("--round-size") { Description = "Queries per round with --sequential", DefaultValueFactory = _ => 10 };
        var missRate = new Option<double>("--miss-rate") { Description = "With --sequential: the accepted rate of clearing a derived model (stop as independent)", DefaultValueFactory = _ => 0.05 };
        var seed = new Option<int>("--seed") { Description = "With --sequential: seed of the random order of the queries", DefaultValueFactory = _ => 0 };
        var remote = new RemoteOptions();
        var cmd = new Command("verify", "Send a fingerprint's queries to suspects and decide whether each was derived from the source");
        foreach (var o in new Option[] { fingerprint, suspects, mode, topK, budget, runtime, json, combine, fpr, evidence, signKey, sequential, roundSize, missRate, seed }) cmd.Options.Add(o);
        remote.AddTo(cmd);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            if (r.GetValue(budget) is < 0) throw new ArgumentException($"--budget must be zero or more, not {r.GetValue(budget)}");
            var path = r.GetValue(fingerprint)!;
            var evidenceDir = r.GetValue(evidence);
            var stepwise = r.GetValue(sequential) ? new SequentialOptions { RoundSize = r.GetValue(roundSize), MissRate = r.GetValue(missRate), Seed = r.GetValue(seed) } : null;
            if (FingerprintBundle.IsBundle(path) || evidenceDir is not null || stepwise is not null)
            {
                var bundle = FingerprintBundle.Open(path);
                var options = new CombineOptions { Combiner = Statistics.PValueCombination.Parse(r.GetValue(combine)!), Fpr = r.GetValue(fpr) };
                var locations = r.GetValue(suspects)!;
                if (evidenceDir is not null && locations.Length != 1)
                    throw new ArgumentException($"--evidence keeps the evidence of one suspect; name one --suspect (got {locations.Length}), or run once per suspect with its own folder");
                if (evidenceDir is not null && Directory.Exists(evidenceDir))
                    throw new ArgumentException($"evidence directory {evidenceDir} already exists; evidence is never overwritten: choose a new name");
                var combined = new List<CombinedVerdict>();
                foreach (var location in locations)
                {
                    var request = new VerifyRequest
                    {
                        Location = location, Mode = r.GetValue(mode), TopK = r.GetValue(topK), Budget = r.GetValue(budget), Runtime = r.GetValue(runtime),
                        Remote = remote.Options(r, r.GetValue(mode) ?? OutputMode.Logits, r.GetValue(topK), r.GetValue(budget), bundle.First.Classes),
                        Combine = options, Sequential = stepwise, CaptureRequests = evidenceDir is not null,
                    };
                    var verified = SuspectVerification.Verify(bundle, request);
                    combined.Add(verified.Verdict);
                    if (evidenceDir is null) continue;
                    var written = Lineage.Evidence.EvidenceWriter.Write(evidenceDir,
                        verified.Evidence(path, bundle, CommandLine(r)), r.GetValue(signKey));
                    Console.Error.WriteLine($"evidence written to {written}{(r.GetValue(signKey) is null ? " (not signed: pass --sign-key KEY to sign it)" : " (signed)")}");
                }
                if (r.GetValue(json)) { Console.WriteLine(JsonSerializer.Serialize(combined.Select(CombinedVerdictJson.Of))); return 0; }
                foreach (var c in combined) PrintCombined(c);
                return 0;
            }
            var fp = FingerprintFile.Load(path);
            var verdicts = new List<Verdict>();
            foreach (var s in r.GetValue(suspects)!)
            {
                var opened = SuspectOpener.Open(s, fp.Preprocessing, r.GetValue(mode), r.GetValue(topK),
                    remote.Options(r, r.GetValue(mode) ?? OutputMode.Logits, r.GetValue(topK), r.GetValue(budget), fp.Classes), SuspectVerification.Probe(fp), r.GetValue(runtime));
                if (!r.GetValue(json)) Console.Error.WriteLine($"{s}: answers {opened.Suspect.Mode.ToString().ToLowerInvariant()} ({opened.ModeBasis})");
                verdicts.Add(FingerprintVerifier.Verify(fp, opened.Suspect, r.GetValue(budget) - opened.ProbeQueries));
            }
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
        foreach (var v in verdicts.Where(v => v.QueryPValue is not null))
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(v.Method)}'s own test over its queries (reported, not decided on): p = {v.QueryPValue:G3}, {Markup.Escape(v.QueryPValueBasis ?? "")}[/]");
    }

    /// <summary>The command as the user typed it, named `lineage` rather than by the host's path to lineage.dll: the
    /// evidence records what was asked, not where the tool was installed on the machine that ran it.</summary>
    static string CommandLine(ParseResult r) => string.Join(" ", r.Tokens.Select(t => Quote(t.Value)).Prepend("lineage"));

    static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./:=,+@%".Contains(c)) ? arg : "'" + arg.Replace("'", "'\\''") + "'";

    internal static void PrintCombined(CombinedVerdict c)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(c.Suspect)}[/] answers {c.SuspectMode.ToString().ToLowerInvariant()}{(c.SuspectModeBasis is string b ? " (" + Markup.Escape(b) + ")" : "")}");
        Print(c.Parts.Select(p => p.Verdict).OfType<Verdict>());
        foreach (var part in c.Unread)
            AnsiConsole.MarkupLine($"[yellow]not combined: {Markup.Escape(part.Method)} ({Markup.Escape(part.Member)}): {Markup.Escape(part.NotRead!)}[/]");
        string verdict = c.Stolen ? "[red]stolen[/]" : c.PValue is null ? "[yellow]undecided[/]" : "[green]independent[/]";
        string p = c.PValue is double v ? $"combined p = {v:G3} {(c.Stolen ? "≤" : ">")} {c.Fpr:0.###}" : "no combined p-value";
        AnsiConsole.MarkupLine($"verdict: {verdict}: {p}, controlling the false-positive rate at {c.Fpr:0.###}; {c.QueriesSpent + c.ProbeQueries} queries{(c.ProbeQueries > 0 ? $" ({c.ProbeQueries} to detect the output format)" : "")}");
        AnsiConsole.MarkupLine($"[grey]combination: {Markup.Escape(c.Basis)}[/]");
    }
}
