using System.Diagnostics;
using System.Globalization;
using Lineage.Engine;
using Lineage.Evaluation;
using Lineage.Fingerprints;
using Lineage.Fingerprints.Uap;
using Lineage.Kits;
using Lineage.Models;
using Lineage.Suspects;
using Lineage.Zoo;

namespace Lineage.Bench;

/// <summary>
/// UAP fingerprinting on a built zoo's source with the owner's kit: the creation time (UAP, k-means, kit answers,
/// encoders; UAP issue target 5 min on 2 cores), the verification time of each suspect split into the suspect's own
/// answering and Lineage's scoring (target 1 s), and the Welch p-value against the number of fingerprints (views)
/// used, the paper's "20 suffice". With --fingerprint FILE an existing UAP fingerprint (e.g. from an evaluation's
/// cache) is used and nothing is created.
/// Usage: Lineage.Bench --uap ZOO_DIR KIT_DIR [--fingerprint FILE] [--models id,id,…] [-p key=value …]
/// </summary>
internal static class UapBench
{
    static readonly string[] DefaultModels = ["source", "ftal-s1", "extract-l-s1", "extract-p-s1", "extract-adv-s1", "papernot-s1",
        "homologous-cnn-c-s21", "ind-cnn-c-s11", "ind-lenet5-s11", "ind-resnet20-s11", "ind-cnn-d-s11"];

    public static int Run(string[] args)
    {
        if (args.Length < 2) { Console.Error.WriteLine("usage: --uap ZOO_DIR KIT_DIR [--fingerprint FILE] [--models id,id,…] [-p key=value …]"); return 2; }
        var zoo = ZooManifest.LoadDirectory(args[0]);
        var kit = OwnerKit.Load(args[1]);
        string? fingerprintPath = null;
        var ids = DefaultModels;
        var parameters = new Dictionary<string, string>();
        for (int i = 2; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--fingerprint": fingerprintPath = args[++i]; break;
                case "--models": ids = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries); break;
                case "-p": var kv = args[++i].Split('=', 2); parameters[kv[0]] = kv[1]; break;
                default: throw new ArgumentException($"unknown UAP bench argument {args[i]}");
            }
        }
        var inv = CultureInfo.InvariantCulture;
        var sourceEntry = zoo.SourceFor(null);
        Fingerprint fp;
        if (fingerprintPath is not null) fp = FingerprintFile.Load(fingerprintPath);
        else
        {
            var owner = ZooEvaluation.OwnerData(zoo, null);
            var source = SourceModel.FromModelFile(ModelFile.Load(zoo.PathOf(sourceEntry)), sourceEntry.Id);
            var clock = Stopwatch.StartNew();
            fp = FingerprintCreation.Create("uap", new CreationContext
            {
                Source = source, OwnerData = owner, Kit = kit, Seed = 0, Progress = new Lines(),
            }, parameters, new RuleOptions { Kit = kit });
            Console.WriteLine(string.Create(inv, $"UAP creation: {clock.Elapsed.TotalSeconds:F1} s on {EngineSettings.Threads} threads (UAP search {fp.Parameter("uap_seconds")} s; fooling rate {fp.Parameter("fooling_rate")})"));
        }
        var uap = UapFingerprint.FromArtifacts(fp.Artifacts, fp.Queries);
        var queries = uap.Queries();
        int[] views = [2, 3, 5, 10, 15, uap.Views];
        Console.WriteLine($"{uap.QueryCount} queries, {uap.Views} views; Welch p-value (query-level, UAP §5.2) with the first k views:");
        Console.WriteLine("model                  role         answer (s)  score (s)  " + string.Join(" ", views.Select(k => $"k={k,-8}")) + " mean similarity");
        foreach (var id in ids)
        {
            var entry = zoo.Models.FirstOrDefault(m => m.Id == id);
            if (entry is null) { Console.WriteLine($"{id}: not in the zoo"); continue; }
            var suspect = ModelSuspect.Of(ModelFile.Load(zoo.PathOf(entry)), id);
            if (suspect.Classes != uap.Classes) { Console.WriteLine($"{id,-22} {entry.Role,-12} another label space ({suspect.Classes} classes): not read"); continue; }
            var clock = Stopwatch.StartNew();
            var answers = suspect.Query(queries);
            double answerSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var full = uap.Score(answers);
            double scoreSeconds = clock.Elapsed.TotalSeconds;
            var ps = views.Select(k => uap.Score(answers, views: k).PValue);
            Console.WriteLine(string.Create(inv, $"{id,-22} {entry.Role,-12} {answerSeconds,10:F2} {scoreSeconds,10:F3}  {string.Join(" ", ps.Select(p => $"{p,-10:0.0E+0}"))} {full.Score:F3}"));
        }
        return 0;
    }

    sealed class Lines : IProgress<string>
    {
        public void Report(string value) => Console.Error.WriteLine(value);
    }
}
