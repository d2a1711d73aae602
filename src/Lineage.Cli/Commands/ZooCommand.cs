using System.CommandLine;
using System.Text.Json;
using Lineage.Models.Training;
using Lineage.Evaluation.Report;
using Lineage.Zoo;

namespace Lineage.Cli.Commands;

/// <summary>`lineage zoo build SPEC --out DIR [--shard i/n]`: builds a declared zoo of source, stolen and independent
/// models through a content-addressed cache and writes its manifest; `lineage zoo manifest DIR`: assembles the full
/// manifest from what the shards built, training nothing.</summary>
internal static class ZooCommand
{
    public static Command Create()
    {
        var cmd = new Command("zoo", "Build zoos of models with known lineage (sources, stolen and independent models) for evaluation");
        cmd.Subcommands.Add(CreateBuild());
        cmd.Subcommands.Add(CreateManifest());
        cmd.Subcommands.Add(CreateSummary());
        return cmd;
    }

    static Command CreateBuild()
    {
        var spec = new Argument<string>("spec") { Description = "Zoo spec (JSON, see docs/zoo.md), e.g. zoos/shapes-ci.json" };
        var output = new Option<string>("--out", "-o") { Description = "Zoo directory (models/, manifest.json); shared by every shard", Required = true };
        var shard = new Option<string?>("--shard") { Description = "Build only shard i of n (e.g. 2/8); a final run without --shard writes manifest.json" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder searched first for dataset files" };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary" };
        var cmd = new Command("build", "Build (or resume) a zoo from its spec; models already in the directory are reused");
        cmd.Arguments.Add(spec);
        foreach (var o in new Option[] { output, shard, dataDir, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            // the whole spec is resolved before any data is loaded or anything trained
            var plan = ZooPlan.Create(ZooSpec.Load(r.GetValue(spec)!));
            var result = ZooBuilder.Build(plan, r.GetValue(output)!, new ZooBuildOptions
            {
                Shard = r.GetValue(shard) is string s ? ZooShard.Parse(s) : null,
                DataDir = r.GetValue(dataDir),
                Log = line => Console.Error.WriteLine(line),
                TrainingProgress = title => new EpochLines(title),
            });
            Report(result, r.GetValue(json));
            return 0;
        }));
        return cmd;
    }

    static Command CreateManifest()
    {
        var dir = new Argument<string>("dir") { Description = "Zoo directory written by 'lineage zoo build' (its spec.json names the models)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder searched first for dataset files" };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary" };
        var cmd = new Command("manifest", "Write DIR/manifest.json from the models the shards built; fails naming any model not built yet");
        cmd.Arguments.Add(dir);
        foreach (var o in new Option[] { dataDir, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var zoo = r.GetValue(dir)!;
            var plan = ZooPlan.Create(ZooSpec.Load(Path.Combine(zoo, ZooBuilder.SpecFileName)));
            var result = ZooBuilder.Build(plan, zoo, new ZooBuildOptions { BuildMissing = false, DataDir = r.GetValue(dataDir) });
            Report(result, r.GetValue(json));
            return 0;
        }));
        return cmd;
    }

    static Command CreateSummary()
    {
        var dir = new Argument<string>("dir") { Description = "Zoo directory with a manifest.json" };
        var json = new Option<bool>("--json") { Description = "Print the rows as JSON" };
        var cmd = new Command("summary", "Per role and category: model count, test-accuracy range and mean, build seconds");
        cmd.Arguments.Add(dir);
        cmd.Options.Add(json);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var manifest = ZooManifest.LoadDirectory(r.GetValue(dir)!);
            var rows = ZooSummary.Rows(manifest);
            double? total = ZooSummary.TotalBuildSeconds(manifest);
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { models = manifest.Models.Count, build_seconds = total, rows },
                    new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
                return 0;
            }
            Console.WriteLine($"| role | category | models | test accuracy (min–max) | mean | build (s) |");
            Console.WriteLine($"|---|---|---:|---:|---:|---:|");
            foreach (var row in rows)
                Console.WriteLine($"| {row.Role} | {row.Category} | {row.Models} | {ReportTables.Percent(row.MinAccuracy)}–{ReportTables.Percent(row.MaxAccuracy)} | {ReportTables.Percent(row.MeanAccuracy)} | {(row.BuildSeconds is double b ? b.ToString("0", System.Globalization.CultureInfo.InvariantCulture) : "–")} |");
            Console.WriteLine($"{manifest.Models.Count} models; sum of their build steps: {(total is double t ? $"{t:0} s ({t / 3600:0.00} h)" : "unknown (build records missing)")}");
            return 0;
        }));
        return cmd;
    }

    static void Report(ZooBuildResult result, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                manifest = result.ManifestPath, spec_hash = result.Manifest.SpecHash, models = result.Manifest.Models.Count,
                built = result.Built, cached = result.Cached, files_written = result.FilesWritten, warnings = result.Warnings,
                seconds = Math.Round(result.Seconds, 3),
            }));
            return;
        }
        Console.WriteLine($"wrote {result.ManifestPath}: {result.Manifest.Models.Count} models ({result.Built.Count} built, {result.Cached.Count} cached, {result.FilesWritten} files written) in {result.Seconds:0.0} s");
        foreach (var m in result.Manifest.Models)
            Console.WriteLine($"  {m.Id,-20} {m.Role,-11} {m.Category,-12} {m.TestAccuracy,7:P1}  {m.File}");
        foreach (var w in result.Warnings) Console.WriteLine("warning: " + w);
    }

    /// <summary>One stderr line per finished epoch, prefixed by the step, so interleaved shard logs stay readable (kit builds print the same).</summary>
    internal sealed class EpochLines(string title) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.Batch == p.Batches)
                Console.Error.WriteLine($"  {title}: epoch {p.Epoch}/{p.Epochs}  loss {p.Loss:0.0000}  train accuracy {p.Accuracy:P1}");
        }
    }
}
