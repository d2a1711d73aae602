using System.Text.Json;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Engine.Onnx;
using Lineage.Kits;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Suspects;
using Lineage.Models.Training;
using Lineage.Tests.Zoo;
using Lineage.Zoo;

namespace Lineage.Tests.Kits;

public sealed class KitBuildTests
{
    [Fact]
    public void ATinyShapesKitBuildsWithReferencesAndSurrogatesThatLoad()
    {
        using var zooDir = new TinyZoo.TempDir();
        using var kitDir = new TinyZoo.TempDir();
        var (zoo, sourcePath) = TinyKit.Source(zooDir.Path);
        var result = KitBuilder.Build(sourcePath, kitDir.Path, TinyKit.Options());

        var kit = OwnerKit.Load(kitDir.Path);
        var source = ModelFile.Load(sourcePath);
        Assert.Equal(source.Hash, kit.SourceHash);
        Assert.Equal("shapes", kit.DatasetName);
        Assert.Equal(["kit-ref-cnn-c-s1001", "kit-ref-cnn-c-s1002", "kit-ref-lenet5-s1003"], kit.References.Select(m => m.Id));
        Assert.Equal(["kit-extract-l-lenet5-s1101", "kit-extract-p-cnn-c-s1102", "kit-ftal-s1103"], kit.Surrogates.Select(m => m.Id));
        Assert.Equal(result.Built, kit.Models.Select(m => m.Id));
        Assert.Equal("extract-l arch=lenet5 seed=1101", kit.Surrogates[0].Origin);
        Assert.Equal("train seed=1001", kit.References[0].Origin);
        Assert.Equal("model file", kit.Manifest.Input.Declaration);
        Assert.Equal(source.Preprocessing.Mean, kit.Manifest.Input.Mean);
        Assert.Equal("defender", kit.Manifest.Dataset.Part);
        Assert.Equal(200, kit.Manifest.Dataset.OwnerImages);
        foreach (var m in kit.Models)
        {
            var file = m.Load(kit);
            Assert.Equal(m.Architecture, file.Spec.Name);
            Assert.Equal(m.TestAccuracy, file.TestAccuracy);
            // surrogates derive from the source; references were trained on the owner's half, not the thief's
            if (m.Role == KitRole.Surrogate) Assert.Equal(source.Hash, file.Lineage.ParentHash);
            else Assert.Contains("defender", file.TrainedOn);
        }
        // the owner replays the thief's moves on its own data
        Assert.Contains("defender", kit.Surrogates[0].Load(kit).TrainedOn);

        // the kit's models are not the zoo's: seeds and ids are disjoint, so no hash is shared
        Assert.Empty(kit.Models.Select(m => m.Hash).Intersect(zoo.Models.Select(m => m.Hash)));
        Assert.Equal(OwnerKit.HashOf(kit.Models.Select(m => m.Hash)), kit.Hash);

        var again = KitBuilder.Build(sourcePath, kitDir.Path, TinyKit.Options());
        Assert.Empty(again.Built);
        Assert.Equal(6, again.Cached.Count);
        Assert.Equal(kit.Hash, OwnerKit.Load(kitDir.Path).Hash);
    }

    [Fact]
    public void AnInterruptedBuildResumesWithWhatItHadFinished()
    {
        using var zooDir = new TinyZoo.TempDir();
        using var kitDir = new TinyZoo.TempDir();
        using var reference = new TinyZoo.TempDir();
        var (_, sourcePath) = TinyKit.Source(zooDir.Path);
        var uninterrupted = KitBuilder.Build(sourcePath, reference.Path, TinyKit.Options());

        // stop the build as soon as its second model is written, as a killed process would stop
        using var cts = new CancellationTokenSource();
        int written = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => KitBuilder.Build(sourcePath, kitDir.Path,
            TinyKit.Options(line => { if (line.Contains(": built in ") && ++written == 2) cts.Cancel(); }, cts.Token)));
        Assert.False(File.Exists(Path.Combine(kitDir.Path, KitManifest.FileName)));

        var resumed = KitBuilder.Build(sourcePath, kitDir.Path, TinyKit.Options());
        Assert.Equal(["kit-ref-cnn-c-s1001", "kit-ref-cnn-c-s1002"], resumed.Cached);
        Assert.Equal(4, resumed.Built.Count);
        // training is deterministic: the resumed kit is the kit an uninterrupted build makes
        Assert.Equal(uninterrupted.Manifest!.Models.Select(m => m.Hash), resumed.Manifest!.Models.Select(m => m.Hash));
    }

    [Fact]
    public void TwoShardsThenAFinalRunGiveTheKitOfOneBuild()
    {
        using var zooDir = new TinyZoo.TempDir();
        using var kitDir = new TinyZoo.TempDir();
        using var reference = new TinyZoo.TempDir();
        var (_, sourcePath) = TinyKit.Source(zooDir.Path);
        var whole = KitBuilder.Build(sourcePath, reference.Path, TinyKit.Options());

        var first = KitBuilder.Build(sourcePath, kitDir.Path, TinyKit.Options() with { Shard = ZooShard.Parse("1/2") });
        var second = KitBuilder.Build(sourcePath, kitDir.Path, TinyKit.Options() with { Shard = ZooShard.Parse("2/2") });
        Assert.Null(first.Manifest);
        Assert.False(File.Exists(Path.Combine(kitDir.Path, KitManifest.FileName)));
        Assert.Equal(6, first.Built.Count + second.Built.Count);
        var final = KitBuilder.Build(sourcePath, kitDir.Path, TinyKit.Options());
        Assert.Empty(final.Built);
        Assert.Equal(whole.Manifest!.Models.Select(m => (m.Id, m.Hash, m.File)), final.Manifest!.Models.Select(m => (m.Id, m.Hash, m.File)));
    }

    [Fact]
    public void AKitIsRefusedForAnotherSourceOrDataset()
    {
        using var zooDir = new TinyZoo.TempDir();
        using var kitDir = new TinyZoo.TempDir();
        var (zoo, sourcePath) = TinyKit.Source(zooDir.Path);
        KitBuilder.Build(sourcePath, kitDir.Path, TinyKit.Options());
        var kit = OwnerKit.Load(kitDir.Path);

        kit.RequireFor(kit.SourceHash, "Shapes");
        var other = zoo.Models.Single(m => m.Id == "ind-a").Hash;
        var e = Assert.Throws<ArgumentException>(() => kit.RequireFor(other, "shapes"));
        Assert.Contains("kit.json", e.Message);
        Assert.Contains("lineage kit build", e.Message);
        Assert.Contains(other[..12], e.Message);
        e = Assert.Throws<ArgumentException>(() => kit.RequireFor(kit.SourceHash, "fashion-mnist"));
        Assert.Contains("kit.json", e.Message);
        Assert.Contains("fashion-mnist", e.Message);
    }

    [Fact]
    public void AnOnnxSourceGetsReferencesAndExtractionSurrogatesOnly()
    {
        using var dir = new TinyZoo.TempDir();
        var net = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "cnn-c", InChannels = 1, ImageSize = 28, Classes = 10, Width = 0.25f }, new Generator(5));
        net.Eval();
        var onnx = Path.Combine(dir.Path, "source.onnx");
        OnnxExporter.Export(net, [1, 28, 28], onnx);
        var kitDir = Path.Combine(dir.Path, "kit");
        KitBuilder.Build(onnx, kitDir, TinyKit.Options() with { Input = InputDeclaration.Parse("mean=0.5,std=0.25") });

        var kit = OwnerKit.Load(kitDir);
        Assert.Equal(OnnxClassifier.Open(onnx, Preprocessing.Identity(1, 28, 28)).Hash, kit.SourceHash);
        Assert.Equal(("onnx", "imported"), (kit.Manifest.Source.Kind, kit.Manifest.Source.Architecture));
        Assert.Equal(("mean=0.5,std=0.25", 0.5f, 0.25f), (kit.Manifest.Input.Declaration, kit.Manifest.Input.Mean[0], kit.Manifest.Input.Std[0]));
        Assert.Equal(3, kit.References.Count);
        Assert.Equal(["extract-l", "extract-p"], kit.Surrogates.Select(m => m.Origin.Split(' ')[0]));
        var student = kit.Surrogates[1].Load(kit);
        Assert.Equal(kit.SourceHash, student.Lineage.ParentHash);
        Assert.StartsWith("import(source.onnx", student.Lineage.Chain);
        // the student takes the source's declared input
        Assert.Equal(0.25f, student.Preprocessing.Std[0]);
    }

    [Fact]
    public void AnOnnxSourceWhoseInputDoesNotFitTheDataIsRefused()
    {
        using var dir = new TinyZoo.TempDir();
        var net = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "cnn-c", InChannels = 1, ImageSize = 28, Classes = 10, Width = 0.25f }, new Generator(5));
        var onnx = Path.Combine(dir.Path, "source.onnx");
        OnnxExporter.Export(net, [1, 28, 28], onnx);
        var e = Assert.Throws<ArgumentException>(() => KitBuilder.Build(onnx, Path.Combine(dir.Path, "kit"), TinyKit.Options() with { Input = InputDeclaration.Parse("mean=0.1,0.2,0.3,std=1,1,1") }));
        Assert.Contains("--input", e.Message);
        Assert.Contains("1 channel", e.Message);
    }

    [Fact]
    public void ShippedZoosAndKitsShareNoRecipeIdOrSeed()
    {
        string root = RepositoryRoot();
        var source = new ModelFile
        {
            Model = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "cnn-c", InChannels = 1, ImageSize = 28, Classes = 10, Width = 0.5f }, new Generator(0)),
            Preprocessing = Preprocessing.Shapes28, TrainedOn = "shapes", Lineage = ModelLineage.Trained("cnn-c", "shapes", 0, new Dictionary<string, string>()),
        };
        var specPaths = Directory.GetFiles(Path.Combine(root, "zoos"), "*.json");
        // the three shipped zoos; a missing folder or a moved spec must fail rather than check nothing
        Assert.True(specPaths.Length == 3, $"zoos/ holds {specPaths.Length} specs, expected 3 (fmnist-ci, fmnist-full, shapes-ci)");
        foreach (var specPath in specPaths)
        {
            var zooSpec = ZooSpec.Load(specPath);
            var zoo = ZooPlan.Create(zooSpec);
            var zooSeeds = zooSpec.Models.SelectMany(m => m.Chain).Select(s => s.Train is { } t && t.TryGetValue("seed", out var v) ? v.GetInt32() : s.Seed ?? 0);
            Assert.All(zooSeeds, s => Assert.True(s < KitSpec.FirstReferenceSeed, $"{specPath}: seed {s} reaches the kits' range"));
            foreach (var size in Enum.GetValues<KitSize>())
            {
                // a kit on the zoo's own data, where a recipe could coincide
                var kit = KitSpec.For(size, zooSpec.Dataset, source) with { Dataset = zooSpec.Dataset, SplitSeed = zooSpec.SplitSeed };
                var plan = ZooPlan.Create(kit.ToZooSpec(new ZooGivenSpec { Hash = source.Hash, Arch = "cnn-c", Classes = 10 }));
                Assert.All(kit.Models, m => Assert.StartsWith("kit-", m.Id));
                Assert.Empty(plan.Entries.Select(e => e.Id).Intersect(zoo.Entries.Select(e => e.Id)));
                Assert.Empty(plan.Entries.SelectMany(e => e.Nodes).Select(n => n.RecipeHash).Intersect(zoo.Entries.SelectMany(e => e.Nodes).Select(n => n.RecipeHash)));
            }
        }
    }

    [Fact]
    public void TheShippedSizesHaveTheSourcesArchitectureAmongSeveralAndWhiteBoxCopiesOnlyForModelFiles()
    {
        var source = new ModelFile
        {
            Model = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "cnn-a", InChannels = 1, ImageSize = 28, Classes = 10 }, new Generator(0)),
            Preprocessing = Preprocessing.FashionMnist, TrainedOn = "fmnist", Lineage = ModelLineage.Trained("cnn-a", "fmnist", 0, new Dictionary<string, string>()),
        };
        foreach (var size in new[] { KitSize.Small, KitSize.Standard })
        {
            var kit = KitSpec.For(size, KitSpec.DataFor(size, "fashion-mnist"), source);
            var refs = kit.Models.Where(m => m.Role == KitRole.Reference).ToList();
            var surs = kit.Models.Where(m => m.Role == KitRole.Surrogate).ToList();
            Assert.True(refs.Count(m => m.Architecture == "cnn-a") >= 3, $"{size}: the source's architecture with several seeds");
            Assert.True(refs.Select(m => m.Architecture).Distinct().Count() >= 3, $"{size}: references of several architectures");
            Assert.Contains(surs, m => m.Step.Attack == "extract-l");
            Assert.Contains(surs, m => m.Step.Attack == "extract-p");
            Assert.True(surs.Select(m => m.Architecture).Distinct().Count() >= 2, $"{size}: students of several architectures");
            Assert.Contains(surs, m => m.Step.Attack == "ftal");
            Assert.Contains(surs, m => m.Step.Attack == "prune");
            Assert.Equal(kit.Models.Count, kit.Models.Select(m => m.Id).Distinct().Count());
        }
        Assert.Equal(20_000, KitSpec.DataFor(KitSize.Small, "fashion-mnist").TrainSubset);
        // a standard kit has the references the conformal rule needs to hold a 5 % false-positive rate
        var standard = KitSpec.For(KitSize.Standard, KitSpec.DataFor(KitSize.Standard, "fashion-mnist"), source);
        Assert.Equal(Lineage.Statistics.ConformalThreshold.MinimumNulls(0.05), standard.Models.Count(m => m.Role == KitRole.Reference));
    }

    /// <summary>NaturalFinger's split: references on the half the source never saw, in their chains, ids and origins;
    /// surrogates stay on the owner's half (the owner replays the thief on its own data).</summary>
    [Fact]
    public void ReferencesCanTrainOnTheOtherHalf()
    {
        var source = new ModelFile
        {
            Model = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "cnn-c", InChannels = 1, ImageSize = 28, Classes = 10 }, new Generator(0)),
            Preprocessing = Preprocessing.FashionMnist, TrainedOn = "fmnist", Lineage = ModelLineage.Trained("cnn-c", "fmnist", 0, new Dictionary<string, string>()),
        };
        var data = KitSpec.DataFor(KitSize.Small, "fashion-mnist");
        var own = KitSpec.For(KitSize.Small, data, source);
        var other = KitSpec.For(KitSize.Small, data, source, DataPart.Attacker);
        Assert.Equal(DataPart.Attacker, other.ReferencePart);
        var refs = other.Models.Where(m => m.Role == KitRole.Reference).ToList();
        Assert.NotEmpty(refs);
        Assert.All(refs, m => Assert.Equal("attacker", m.Step.Train!["part"].GetString()));
        Assert.All(refs, m => Assert.StartsWith("kit-ref-attacker-", m.Id));
        Assert.All(refs, m => Assert.EndsWith("part=attacker", m.Origin));
        Assert.All(own.Models.Where(m => m.Role == KitRole.Reference), m => Assert.Equal("defender", m.Step.Train!["part"].GetString()));
        // same surrogates, and no reference id shared between the two kinds of kit
        Assert.Equal(own.Models.Where(m => m.Role == KitRole.Surrogate).Select(m => m.Id), other.Models.Where(m => m.Role == KitRole.Surrogate).Select(m => m.Id));
        Assert.Empty(refs.Select(m => m.Id).Intersect(own.Models.Select(m => m.Id)));
        // the zoo spec trains them on that half
        var zoo = other.ToZooSpec(new ZooGivenSpec { Hash = "abc", Arch = "cnn-c", Classes = 10 });
        Assert.All(zoo.Models.Where(m => m.Role == "independent"), m => Assert.Equal("attacker", m.Chain[0].Train!["part"].GetString()));
        Assert.Throws<ArgumentException>(() => KitSpec.For(KitSize.Small, data, source, DataPart.All));
    }

    [Fact]
    public void WhiteBoxAttacksOnAnImportedSourceAreRefusedBeforeAnythingIsBuilt()
    {
        var spec = new ZooSpec
        {
            Dataset = new ZooDataSpec { Name = "shapes", TrainCount = 100, TestCount = 20 },
            Models =
            [
                new ZooModelSpec { Id = "src", Role = "source", Chain = [new ZooStepSpec { Given = new ZooGivenSpec { Hash = "abc", Arch = "imported", Classes = 10 } }] },
                new ZooModelSpec { Id = "ftal", Role = "stolen", Parent = "src", Chain = [new ZooStepSpec { Attack = "ftal" }] },
            ],
        };
        var e = Assert.Throws<ZooSpecException>(() => ZooPlan.Create(spec));
        Assert.Contains("imported", e.Message);
        Assert.Contains("params.arch", e.Message);
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Lineage.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (Lineage.slnx) not found above " + AppContext.BaseDirectory);
    }
}
