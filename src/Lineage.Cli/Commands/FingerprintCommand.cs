using System.CommandLine;
using System.Text.Json;
using Lineage.Data;
using Lineage.Data.Formats;
using Lineage.Fingerprints;
using Lineage.Fingerprints.IpGuard;
using Lineage.Fingerprints.Sac;
using Lineage.Models.Training;
using Lineage.Suspects;

namespace Lineage.Cli.Commands;

/// <summary>`lineage fingerprint create` and `lineage fingerprint inspect`.</summary>
internal static class FingerprintCommand
{
    public static Command Create()
    {
        var cmd = new Command("fingerprint", "Make and inspect fingerprints of a source model");
        cmd.Subcommands.Add(CreateCommand());
        cmd.Subcommands.Add(InspectCommand());
        return cmd;
    }

    static Command CreateCommand()
    {
        var data = new DataOptions();
        var method = new Option<string>("--method") { Description = "sac-m, sac-w or ipguard", DefaultValueFactory = _ => "sac-m" };
        var model = new Option<string>("--model") { Description = "Source model: a Lineage model file or an ONNX file", Required = true };
        var part = new Option<DataPart>("--part") { Description = "Owner's data: the defender half (as in the papers) or all", DefaultValueFactory = _ => DataPart.Defender };
        var splitSeed = new Option<int>("--split-seed") { DefaultValueFactory = _ => 1 };
        var samples = new Option<int>("--samples") { Description = "SAC: samples (SAC-m mixes this many owner images)", DefaultValueFactory = _ => 100 };
        var cutmix = new Option<CutMixVariant>("--cutmix") { Description = "SAC-m: yun (the paper) or corner (the authors' code)", DefaultValueFactory = _ => CutMixVariant.Yun };
        var correlation = new Option<CorrelationKind>("--correlation") { DefaultValueFactory = _ => CorrelationKind.Cosine };
        var output = new Option<SacOutput>("--output") { Description = "SAC: correlate logits (authors' code) or probabilities", DefaultValueFactory = _ => SacOutput.Logits };
        var surrogates = new Option<int>("--surrogates") { Description = "SAC-w: surrogates distilled from the source", DefaultValueFactory = _ => 3 };
        var points = new Option<int>("--points") { Description = "IPGuard: boundary points", DefaultValueFactory = _ => 100 };
        var target = new Option<TargetChoice>("--target") { Description = "IPGuard: random or least-likely target class", DefaultValueFactory = _ => TargetChoice.Random };
        var independent = new Option<string[]>("--independent") { Description = "Independent models to calibrate the threshold on", AllowMultipleArgumentsPerToken = true };
        var derived = new Option<string[]>("--derived") { Description = "Known derived models (SAC's validation rule with --paper-rule)", AllowMultipleArgumentsPerToken = true };
        var correctOn = new Option<string[]>("--sac-w-correct") { Description = "SAC-w: keep only samples these independent models (trained on the owner's data) classify correctly", AllowMultipleArgumentsPerToken = true };
        var fpr = new Option<double>("--fpr") { Description = "Target false-positive rate of the calibrated threshold", DefaultValueFactory = _ => 0.05 };
        var paper = new Option<bool>("--paper-rule") { Description = "Use the paper's validation rule instead of FPR calibration" };
        var threshold = new Option<double?>("--threshold") { Description = "A threshold of your own" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var outFile = new Option<string>("--out", "-o") { Description = "Fingerprint file to write", Required = true };
        var json = new Option<bool>("--json");
        var input = new Option<string?>("--input") { Description = "What an ONNX source takes: raw ([0,1] pixels, it normalises itself), dataset (the data's mean/std; default) or mean=M,std=S (one value or one per channel)" };
        var cmd = new Command("create", "Fingerprint a source model (white-box) from the owner's data");
        data.AddTo(cmd);
        foreach (var o in new Option[] { method, model, part, splitSeed, samples, cutmix, correlation, output, surrogates, points, target, independent, derived, correctOn, fpr, paper, threshold, seed, outFile, json, input }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var pair = data.Load(r);
            var owner = TrainingJob.SelectPart(pair.Train, r.GetValue(part), r.GetValue(splitSeed));
            var source = SourceModel.Open(r.GetValue(model)!, owner.Preprocessing, r.GetValue(input) is string i ? InputDeclaration.Parse(i) : null);
            ISuspect Open(string path) => SuspectFactory.Open(path, source.Preprocessing);
            var rule = new RuleOptions
            {
                IndependentModels = (r.GetValue(independent) ?? []).Select(Open).ToList(),
                DerivedModels = (r.GetValue(derived) ?? []).Select(Open).ToList(),
                TargetFpr = r.GetValue(fpr),
                PreferPaperRule = r.GetValue(paper),
                Threshold = r.GetValue(threshold),
            };
            var sac = new SacOptions { Samples = r.GetValue(samples), CutMix = r.GetValue(cutmix), Correlation = r.GetValue(correlation), Output = r.GetValue(output), Surrogates = r.GetValue(surrogates), Seed = r.GetValue(seed) };
            var ipg = new IpGuardOptions { Points = r.GetValue(points), Target = r.GetValue(target), Seed = r.GetValue(seed) };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var fp = ProgressDisplay.Run("surrogates", p => FingerprintCreation.Create(r.GetValue(method)!, source, owner, rule, sac, ipg, p,
                (r.GetValue(correctOn) ?? []).Select(Open).ToList()));
            var path = r.GetValue(outFile)!;
            FingerprintFile.Save(fp, path);
            if (r.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new { fingerprint = path, method = fp.Method, queries = fp.QueryCount, source_hash = fp.SourceModelHash, threshold = fp.Rule.Threshold, rule = fp.Rule.Basis, seconds = clock.Elapsed.TotalSeconds }));
            else
                Console.WriteLine($"wrote {path}: {fp.Method}, {fp.QueryCount} queries, threshold {fp.Rule.Threshold:G4} for {fp.Rule.Representation} ({fp.Rule.Basis}; {fp.Rules.Count} views), {clock.Elapsed.TotalSeconds:0.0} s");
            return 0;
        }));
        return cmd;
    }

    static Command InspectCommand()
    {
        var file = new Argument<string>("file");
        var export = new Option<string?>("--export-queries") { Description = "Write the queries to a .npy file (float32, NCHW, [0,1])" };
        var json = new Option<bool>("--json");
        var cmd = new Command("inspect", "Show what a fingerprint file holds (its content hash is checked)");
        cmd.Arguments.Add(file);
        cmd.Options.Add(export);
        cmd.Options.Add(json);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var path = r.GetValue(file)!;
            var fp = FingerprintFile.Load(path);
            if (r.GetValue(export) is string npy)
                NpyFile.Write(npy, NpyArray.FromFloat32(fp.Queries.ToArray(), fp.Queries.Shape));
            var facts = new
            {
                file = path,
                method = fp.Method,
                format_version = fp.FormatVersion,
                created = fp.CreatedUtc,
                source_hash = fp.SourceModelHash,
                queries = fp.Queries.Shape,
                classes = fp.Classes,
                parameters = fp.Parameters,
                rules = fp.Rules.Select(rule => new { representation = rule.Representation, direction = rule.Direction.ToString(), threshold = rule.Threshold, basis = rule.Basis, null_scores = rule.NullScores, target_fpr = rule.TargetFpr, achieved_fpr = rule.AchievedFpr }),
                preprocessing = new { mean = fp.Preprocessing.Mean, std = fp.Preprocessing.Std, shape = fp.Preprocessing.Shape },
            };
            if (r.GetValue(json)) { Console.WriteLine(JsonSerializer.Serialize(facts)); return 0; }
            Console.WriteLine($"file           {path} (content hash verified)");
            Console.WriteLine($"method         {fp.Method} (format {fp.FormatVersion}), created {fp.CreatedUtc:u}");
            Console.WriteLine($"source         {fp.SourceModelHash}");
            Console.WriteLine($"queries        {Engine.Tensor.FormatShape(fp.Queries.Shape)} in [0,1], {fp.Classes} classes");
            Console.WriteLine($"parameters     {string.Join(", ", fp.Parameters.Select(p => $"{p.Key}={p.Value}"))}");
            foreach (var rule in fp.Rules)
            {
                Console.WriteLine($"decision       {rule.Representation}: {(rule.Direction == Statistics.ScoreDirection.LowerIsStolen ? "stolen if score <=" : "stolen if score >=")} {rule.Threshold:G6}; {rule.Basis}");
                if (rule.IsCalibrated) Console.WriteLine($"  null scores  {string.Join(", ", rule.NullScores.Select(s => s.ToString("G4")))}");
            }
            Console.WriteLine($"preprocessing  {fp.Preprocessing}");
            if (r.GetValue(export) is string written) Console.WriteLine($"queries written to {written}");
            return 0;
        }));
        return cmd;
    }
}
