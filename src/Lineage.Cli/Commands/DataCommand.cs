using System.CommandLine;
using System.Text.Json;
using Lineage.Data;
using Lineage.Data.Formats;

namespace Lineage.Cli.Commands;

/// <summary>`lineage data info NAME`: where a dataset was found, its counts, shape, classes and balance.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = $"Dataset ({string.Join(", ", DatasetCatalog.Names)}) or a .npz sample set" };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };
        var data = new DataOptions();
        data.Seed.Aliases.Add("--seed");

        var info = new Command("info", "Show where a dataset was found, its counts, image shape, classes and class balance");
        info.Arguments.Add(name);
        foreach (var o in new Option[] { data.DataDir, json, data.Coarse, data.Seed, data.TrainCount, data.TestCount }) info.Options.Add(o);
        info.SetAction(r =>
        {
            string dataset = r.GetValue(name)!;
            DatasetSummary summary;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                if (dataset.EndsWith(".npz", StringComparison.OrdinalIgnoreCase))
                    summary = DatasetSummary.Of(dataset, Path.GetFullPath(dataset), NpzSampleSet.Read(dataset));
                else
                {
                    summary = DatasetSummary.Of(DatasetCatalog.Canonical(dataset), DatasetCatalog.Load(dataset, data.LoadOptions(r)));
                }
            }
            catch (Exception e) when (e is DatasetNotFoundException or DataFormatException or ArgumentException)
            {
                Console.Error.WriteLine("error: " + e.Message);
                return 2;
            }
            watch.Stop();
            if (r.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(new { summary, loadSeconds = Math.Round(watch.Elapsed.TotalSeconds, 3) }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            else PrintText(summary, watch.Elapsed);
            return 0;
        });
        var cmd = new Command("data", "Datasets: where they are found and what they hold");
        cmd.Subcommands.Add(info);
        return cmd;
    }

    static void PrintText(DatasetSummary s, TimeSpan loadTime)
    {
        Console.WriteLine($"{"dataset",-14}{s.Name}");
        Console.WriteLine($"{"found in",-14}{s.Location}");
        foreach (var (f, i) in s.Files.Select((f, i) => (f, i)))
            Console.WriteLine($"{(i == 0 ? "files" : ""),-14}{f}");
        Console.WriteLine($"{"image shape",-14}{string.Join(" x ", s.ImageShape)} (C x H x W), pixels scaled to [0, 1]");
        Console.WriteLine($"{"normalise",-14}mean ({string.Join(", ", s.Preprocessing.Mean.Select(v => v.ToString("0.####")))}), std ({string.Join(", ", s.Preprocessing.Std.Select(v => v.ToString("0.####")))})");
        Console.WriteLine($"{"samples",-14}{string.Join(", ", s.Counts.Select(kv => $"{kv.Key} {kv.Value:N0}"))}");
        Console.WriteLine($"{"classes",-14}{s.Classes.Count}");
        Console.WriteLine($"{"load time",-14}{loadTime.TotalSeconds:0.000} s (reading and decoding, or generating)");
        Console.WriteLine();
        var parts = s.Counts.Keys.ToArray();
        int nameWidth = Math.Max(5, s.Classes.Max(c => c.Name.Length));
        Console.WriteLine($"  {"#",3}  {"class".PadRight(nameWidth)}" + string.Concat(parts.Select(p => $"  {p,8}  {"share",6}")));
        foreach (var row in s.Classes)
            Console.WriteLine($"  {row.Index,3}  {row.Name.PadRight(nameWidth)}" + string.Concat(parts.Select(p =>
                $"  {row.Counts[p],8:N0}  {(s.Counts[p] == 0 ? 0 : 100.0 * row.Counts[p] / s.Counts[p]),5:0.0}%")));
    }
}
