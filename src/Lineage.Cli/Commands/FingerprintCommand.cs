using System.CommandLine;
using System.Text.Json;
using Lineage.Data;
using Lineage.Data.Formats;
using Lineage.Fingerprints;
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
        cmd.Subcommands.Add(MethodsCommand());
        cmd.Subcommands.Add(BundleCommand());
        cmd.Subcommands.Add(StealthCommand.Create());
        return cmd;
    }

    static Command BundleCommand()
    {
        var files = new Argument<string[]>("fingerprints") { Description = "Fingerprint files of one source model", Arity = ArgumentArity.OneOrMore };
        var outFile = new Option<string>("--out", "-o") { Description = "Bundle file to write", Required = true };
        var cmd = new Command("bundle", "Pack several fingerprints of one source into one file; `verify -f BUNDLE` runs them all and combines their p-values");
        cmd.Arguments.Add(files);
        cmd.Options.Add(outFile);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var bundle = FingerprintBundle.Create(r.GetValue(files)!, r.GetValue(outFile)!);
            Console.WriteLine($"bundled {bundle.Members.Count} fingerprints of source {bundle.SourceModelHash[..12]}… ({string.Join(", ", bundle.Members.Select(m => $"{m.Name}: {m.Method}, {m.Fingerprint.QueryCount} queries"))}) into {r.GetValue(outFile)}");
            return 0;
        }));
        return cmd;
    }

    static Command CreateCommand()
    {
        var data = new DataOptions();
        var method = new Option<string>("--method") { Description = "Fingerprint method: " + string.Join(", ", FingerprintCatalog.Names) + " (`lineage fingerprint methods` lists each one's parameters)", DefaultValueFactory = _ => "sac-m" };
        method.AcceptOnlyFromAmong([.. FingerprintCatalog.Names]);
        var model = new Option<string>("--model") { Description = "Source model: a Lineage model file or an ONNX file", Required = true };
        var part = new Option<DataPart>("--part") { Description = "Owner's data: the defender half (as in the papers) or all", DefaultValueFactory = _ => DataPart.Defender };
        var splitSeed = new Option<int>("--split-seed") { DefaultValueFactory = _ => 1 };
        var param = new Option<string[]>("--param", "-p") { Description = "A method parameter as key=value (repeatable), e.g. -p samples=50", AllowMultipleArgumentsPerToken = true };
        var kit = new Option<string?>("--kit") { Description = "The owner's kit (lineage kit build): methods that learn from models use it, and thresholds are calibrated on its references unless --independent is given" };
        var independent = new Option<string[]>("--independent") { Description = "Independent models to calibrate the threshold on (default: the kit's references)", AllowMultipleArgumentsPerToken = true };
        var derived = new Option<string[]>("--derived") { Description = "Known derived models (SAC's validation rule with --paper-rule)", AllowMultipleArgumentsPerToken = true };
        var fpr = new Option<double>("--fpr") { Description = "Target false-positive rate of the calibrated threshold", DefaultValueFactory = _ => 0.05 };
        var paper = new Option<bool>("--paper-rule") { Description = "Use the paper's validation rule instead of FPR calibration" };
        var threshold = new Option<double?>("--threshold") { Description = "A threshold of your own" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var outFile = new Option<string>("--out", "-o") { Description = "Fingerprint file to write", Required = true };
        var json = new Option<bool>("--json");
        var input = new Option<string?>("--input") { Description = "What an ONNX source takes: raw ([0,1] pixels, it normalises itself), dataset (the data's mean/std; default) or mean=M,std=S (one value or one per channel)" };
        var cmd = new Command("create", "Fingerprint a source model (white-box) from the owner's data");
        data.AddTo(cmd);
        foreach (var o in new Option[] { method, model, part, splitSeed, param, kit, independent, derived, fpr, paper, threshold, seed, outFile, json, input }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var pair = data.Load(r);
            var owner = TrainingJob.SelectPart(pair.Train, r.GetValue(part), r.GetValue(splitSeed));
            var source = SourceModel.Open(r.GetValue(model)!, owner.Preprocessing, r.GetValue(input) is string i ? InputDeclaration.Parse(i) : null);
            ISuspect Open(string path) => SuspectFactory.Open(path, source.Preprocessing);
            var ownerKit = r.GetValue(kit) is string kitDir ? Kits.OwnerKit.Load(kitDir) : null;
            var rule = new RuleOptions
            {
                Kit = ownerKit,
                IndependentModels = (r.GetValue(independent) ?? []).Select(Open).ToList(),
                DerivedModels = (r.GetValue(derived) ?? []).Select(Open).ToList(),
                TargetFpr = r.GetValue(fpr),
                PreferPaperRule = r.GetValue(paper),
                Threshold = r.GetValue(threshold),
            };
            var name = r.GetValue(method)!;
            var parameters = FingerprintCatalog.ParseParameters(r.GetValue(param) ?? [], name).GetValueOrDefault(name);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var progress = new SyncProgress<string>(line => Console.Error.WriteLine($"{name}: {line}"));
            var fp = FingerprintCreation.Create(name, new CreationContext { Source = source, OwnerData = owner, Seed = r.GetValue(seed), Kit = ownerKit, Progress = progress }, parameters, rule);
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

    static Command MethodsCommand()
    {
        var json = new Option<bool>("--json");
        var cmd = new Command("methods", "List the fingerprint methods: paper, what each reads and needs, and its parameters");
        cmd.Options.Add(json);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var infos = FingerprintCatalog.All.Select(m => m.Info).ToList();
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(infos.Select(i => new
                {
                    name = i.Name, paper = i.Paper, description = i.Description, reads = i.Reads.ToString().ToLowerInvariant(),
                    needs = i.Needs.ToString(), direction = i.Direction.ToString(),
                    parameters = i.Parameters.Select(p => new { name = p.Name, type = p.Type.ToString().ToLowerInvariant(), @default = p.Default, min = double.IsInfinity(p.Min) ? (double?)null : p.Min, max = double.IsInfinity(p.Max) ? (double?)null : p.Max, choices = p.Choices, description = p.Description }),
                })));
                return 0;
            }
            foreach (var i in infos)
            {
                Console.WriteLine($"{i.Name}: {i.Description}");
                Console.WriteLine($"  paper   {i.Paper}");
                Console.WriteLine($"  reads   down to {i.Reads.ToString().ToLowerInvariant()}; needs {i.Needs}; {(i.Direction == Statistics.ScoreDirection.HigherIsStolen ? "higher" : "lower")} score = more likely stolen");
                foreach (var line in i.ParameterHelp()) Console.WriteLine($"  -p {line}");
            }
            return 0;
        }));
        return cmd;
    }

    static Command InspectCommand()
    {
        var file = new Argument<string>("file");
        var export = new Option<string?>("--export-queries") { Description = "Write the queries to a .npy file (float32, NCHW, [0,1])" };
        var png = new Option<string?>("--png") { Description = "Write the queries as a PNG grid (10 per row) to look at" };
        var json = new Option<bool>("--json");
        var cmd = new Command("inspect", "Show what a fingerprint file holds (its content hash is checked)");
        cmd.Arguments.Add(file);
        cmd.Options.Add(export);
        cmd.Options.Add(png);
        cmd.Options.Add(json);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var path = r.GetValue(file)!;
            var fp = FingerprintFile.Load(path);
            if (r.GetValue(export) is string npy)
                NpyImages.Write(npy, fp.Queries);
            if (r.GetValue(png) is string image)
                Lineage.Images.PngGrid.Write(image, fp.Queries, columns: 10);
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
