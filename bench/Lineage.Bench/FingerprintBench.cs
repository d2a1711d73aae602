using System.Diagnostics;
using System.Text.Json;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Fingerprints;
using Lineage.Fingerprints.Sac;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Suspects;

namespace Lineage.Bench;

/// <summary>
/// SAC-m create + verify against one suspect for the Fashion-MNIST reference CNN (SAC Table 5 reports
/// 4.45 s for SAC-m on a GPU with CIFAR-10). Fashion-MNIST is used when installed, else the built-in shapes.
/// The models' weights are freshly initialised: the cost of a fingerprint does not depend on training.
/// </summary>
internal static class FingerprintBench
{
    public static void Run(int rounds)
    {
        DatasetPair data;
        try { data = DatasetCatalog.Load(DatasetCatalog.FashionMnist); }
        catch (DatasetNotFoundException) { data = DatasetCatalog.Load(DatasetCatalog.Shapes); }
        var owner = DataSplits.DefenderAttackerHalves(data.Train, 1).Defender;
        ModelFile Model(int seed) => new()
        {
            Model = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "reference-cnn", InChannels = 1, ImageSize = 28, Classes = 10 }, new Generator(seed)),
            Preprocessing = owner.Preprocessing,
            TrainedOn = owner.Origin.Description,
            Lineage = ModelLineage.Trained("reference-cnn", owner.Origin.Description, seed, new Dictionary<string, string>()),
        };
        var source = SourceModel.FromModelFile(Model(1), "source");
        var suspectFile = Model(2);
        suspectFile.Model.Eval();
        var suspect = new ModelSuspect("suspect", suspectFile.Logits, 10);
        var times = new List<double>();
        for (int r = 0; r < rounds + 1; r++)
        {
            var clock = Stopwatch.StartNew();
            var fp = FingerprintCreation.Create("sac-m", new CreationContext { Source = source, OwnerData = owner, Seed = r }, null, new RuleOptions { Threshold = 0.1 });
            FingerprintVerifier.Verify(fp, suspect);
            if (r > 0) times.Add(clock.Elapsed.TotalSeconds);   // round 0 warms the JIT
        }
        times.Sort();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            benchmark = "sac-m create + verify (100 queries), reference CNN",
            data = owner.Origin.Description,
            threads = EngineSettings.Threads,
            rounds,
            median_seconds = Math.Round(times[times.Count / 2], 4),
            min_seconds = Math.Round(times[0], 4),
            paper_seconds_gpu_cifar10 = 4.45,
        }));
    }
}
