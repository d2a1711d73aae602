using System.CommandLine;
using System.Text.Json;
using Lineage.Data;
using Lineage.Evaluation.Report;
using Lineage.Kits;
using Lineage.Models.Training;
using Lineage.Zoo;

namespace Lineage.Cli.Commands;

/// <summary>`lineage kit build --source SRC --data NAME --out KIT`: builds the owner's kit of references and
/// surrogates for one source through the zoo builder (cached, resumable, shardable) and writes KIT/kit.json;
/// `lineage kit show KIT`: what a kit holds.</summary>
internal static class KitCommand
{
    public static Command Create()
    {
        var cmd = new Command("kit", "Build the owner's kit: reference models trained independently on the owner's data and surrogates derived from the source");
        cmd.Subcommands.Add(CreateBuild());
        cmd.Subcommands.Add(CreateShow());
        return cmd;
    }

    static Command CreateBuild()
    {
        var source = new Option<string>("--source") { Description = "The owner's model: a Lineage model file or an ONNX file", Required = true };
        var data = new Option<string>("--data") { Description = $"The owner's dataset: {string.Join(", ", DatasetCatalog.Names)}", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Kit directory (models/, kit.json); shared by every shard", Required = true };
        var size = new Option<KitSize>("--size") { Description = "tiny (a test), small (minutes) or standard", DefaultValueFactory = _ => KitSize.Small };
        var shard = new Option<string?>("--shard") { Description = "Build only shard i of n (e.g. 2/8); a final run without --shard writes kit.json" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder searched first for dataset files" };
        var input = new Option<string?>("--input") { Description = "What an ONNX source takes: raw ([0,1] pixels, it normalises itself), dataset (the data's mean/std; default) or mean=M,std=S (one value or one per channel)" };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary" };
        var referencePart = new Option<string>("--reference-part") { Description = "The half of the data the references train on: defender (the owner's, as the source; default) or attacker (the half the source never saw: NaturalFinger's split)", DefaultValueFactory = _ => SplitSpec.Defender };
        var cmd = new Command("build", "Build (or resume) the owner's kit for a source; models already in the directory are reused");
        foreach (var o in new Option[] { source, data, output, size, shard, dataDir, input, referencePart, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var result = KitBuilder.Build(r.GetValue(source)!, r.GetValue(output)!, new KitBuildOptions
            {
                Dataset = r.GetValue(data)!,
                Size = r.GetValue(size),
                ReferencePart = r.GetValue(referencePart) switch
                {
                    SplitSpec.Defender => DataPart.Defender,
                    SplitSpec.Attacker => DataPart.Attacker,
                    var other => throw new ArgumentException($"--reference-part is defender or attacker, not '{other}'"),
                },
                DataDir = r.GetValue(dataDir),
                Input = r.GetValue(input) is string i ? InputDeclaration.Parse(i) : null,
                Shard = r.GetValue(shard) is string s ? ZooShard.Parse(s) : null,
                Log = line => Console.Error.WriteLine(line),
                TrainingProgress = title => new ZooCommand.EpochLines(title),
            });
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    manifest = result.ManifestPath, kit_hash = result.Manifest is null ? null : OwnerKit.HashOf(result.Manifest.Models.Select(m => m.Hash)),
                    source_hash = result.Manifest?.Source.Hash, models = result.Manifest?.Models.Count,
                    built = result.Built, cached = result.Cached, warnings = result.Warnings, seconds = Math.Round(result.Seconds, 3),
                }));
                return 0;
            }
            if (result.Manifest is null)
                Console.WriteLine($"shard done: {result.Built.Count} built, {result.Cached.Count} cached in {result.Seconds:0.0} s; run without --shard to write kit.json");
            else
            {
                Console.WriteLine($"wrote {result.ManifestPath}: {result.Manifest.Models.Count} models ({result.Built.Count} built, {result.Cached.Count} cached) in {result.Seconds:0.0} s");
                Print(result.Manifest.Models);
            }
            foreach (var w in result.Warnings) Console.WriteLine("warning: " + w);
            return 0;
        }));
        return cmd;
    }

    static Command CreateShow()
    {
        var dir = new Argument<string>("kit") { Description = "Kit directory (with kit.json)" };
        var json = new Option<bool>("--json") { Description = "Print kit.json" };
        var cmd = new Command("show", "What a kit was built for and the models it holds");
        cmd.Arguments.Add(dir);
        cmd.Options.Add(json);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var kit = OwnerKit.Load(r.GetValue(dir)!);
            if (r.GetValue(json)) { Console.WriteLine(kit.Manifest.ToJson()); return 0; }
            Console.WriteLine($"kit      {kit.Hash}");
            Console.WriteLine($"source   {kit.SourceHash} ({kit.Manifest.Source.File}, {kit.Manifest.Source.Kind}, input {kit.Manifest.Input.Declaration})");
            Console.WriteLine($"data     {kit.DatasetName}, {kit.Manifest.Dataset.OwnerImages} owner images ({kit.Manifest.Dataset.Part} half, split seed {kit.Manifest.Dataset.SplitSeed})");
            Console.WriteLine($"models   {kit.References.Count} references, {kit.Surrogates.Count} surrogates ({kit.Manifest.Size})");
            Print(kit.Manifest.Models);
            return 0;
        }));
        return cmd;
    }

    static void Print(IEnumerable<KitManifestModel> models)
    {
        foreach (var m in models)
            Console.WriteLine($"  {m.Id,-28} {m.Role,-9} {m.Architecture,-8} {ReportTables.Percent(m.TestAccuracy),7}  {m.Origin}");
    }
}
