using Lineage.Engine.IO;
using Lineage.Models;
using Lineage.Zoo;

namespace Lineage.Tests.Zoo;

public sealed class ZooBuildTests
{
    [Fact]
    public void BuildWritesTheManifestAndASecondBuildIsAllCacheHits()
    {
        using var dir = new TinyZoo.TempDir();
        var plan = TinyZoo.Plan();
        var first = ZooBuilder.Build(plan, dir.Path);
        Assert.Equal(["src", "ftal", "extract", "ind-a", "ind-b"], first.Built);
        Assert.Empty(first.Cached);
        Assert.Equal(5, first.FilesWritten);
        var leftovers = Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".tmp") || f.EndsWith(".checkpoint"));
        Assert.Empty(leftovers);

        var manifest = ZooManifest.Load(Path.Combine(dir.Path, "manifest.json"));
        Assert.Equal("lineage-zoo/1", manifest.Format);
        Assert.Equal(plan.SpecHash, manifest.SpecHash);
        Assert.Equal(new ZooManifestDataset { Name = "shapes", TrainCount = 400, TestCount = 100, DataSeed = 2 }, manifest.Dataset);
        Assert.Equal(1, manifest.SplitSeed);
        var byId = manifest.Models.ToDictionary(m => m.Id);
        Assert.Equal(("source", "source", (string?)null), (byId["src"].Role, byId["src"].Category, byId["src"].Source));
        Assert.Equal(("stolen", "Finetune-A", "src"), (byId["ftal"].Role, byId["ftal"].Category, byId["ftal"].Source));
        Assert.Equal(("stolen", "Extract-L", "src"), (byId["extract"].Role, byId["extract"].Category, byId["extract"].Source));
        Assert.Equal(("independent", "independent", (string?)null), (byId["ind-b"].Role, byId["ind-b"].Category, byId["ind-b"].Source));
        foreach (var m in manifest.Models)
        {
            var file = ModelFile.Load(Path.Combine(dir.Path, m.File));
            Assert.Equal(file.Hash, m.Hash);
            Assert.Equal(file.Lineage.Chain, m.Chain);
            Assert.InRange(m.TestAccuracy!.Value, 0, 1);
            Assert.True(m.Seconds > 0, $"{m.Id}: build seconds recorded");
        }
        Assert.StartsWith("train(cnn-c", byId["extract"].Chain);
        Assert.Contains("-> extract-l(", byId["extract"].Chain);
        Assert.Equal(byId["src"].Hash, ModelFile.Load(Path.Combine(dir.Path, byId["ftal"].File)).Lineage.ParentHash);

        var second = ZooBuilder.Build(plan, dir.Path);
        Assert.Empty(second.Built);
        Assert.Equal(5, second.Cached.Count);
        Assert.Equal(0, second.FilesWritten);
        Assert.Equal(manifest.ToJson(), second.Manifest.ToJson());
    }

    [Fact]
    public void DeletingOneModelRebuildsOnlyThatModelAndNotItsParent()
    {
        using var dir = new TinyZoo.TempDir();
        var plan = TinyZoo.Plan();
        var first = ZooBuilder.Build(plan, dir.Path);
        var ftal = first.Manifest.Models.Single(m => m.Id == "ftal");
        File.Delete(Path.Combine(dir.Path, ftal.File));

        var again = ZooBuilder.Build(plan, dir.Path);
        Assert.Equal(["ftal"], again.Built);
        Assert.Equal(1, again.FilesWritten);
        // deterministic training: the rebuilt model is the same model
        Assert.Equal(ftal.Hash, again.Manifest.Models.Single(m => m.Id == "ftal").Hash);
    }

    [Fact]
    public void TwoShardsMergedGiveTheSameManifestAsOneUnshardedBuild()
    {
        using var whole = new TinyZoo.TempDir();
        using var shared = new TinyZoo.TempDir();
        var plan = TinyZoo.Plan();
        var unsharded = ZooBuilder.Build(plan, whole.Path).Manifest;

        var one = ZooBuilder.Build(plan, shared.Path, new ZooBuildOptions { Shard = ZooShard.Parse("1/2") });
        var two = ZooBuilder.Build(plan, shared.Path, new ZooBuildOptions { Shard = ZooShard.Parse("2/2") });
        Assert.Equal(["src", "extract", "ind-b"], one.Manifest.Models.Select(m => m.Id));
        Assert.Equal(["ftal", "ind-a"], two.Manifest.Models.Select(m => m.Id));
        Assert.True(File.Exists(Path.Combine(shared.Path, "manifest.shard-1-of-2.json")));
        Assert.True(File.Exists(Path.Combine(shared.Path, "manifest.shard-2-of-2.json")));
        Assert.False(File.Exists(Path.Combine(shared.Path, "manifest.json")));
        // shard 2 found its parent 'src' already built by shard 1
        Assert.Equal(["ftal", "ind-a"], two.Built);

        var merged = ZooBuilder.Build(plan, shared.Path, new ZooBuildOptions { BuildMissing = false });
        Assert.Empty(merged.Built);
        Assert.Equal(unsharded.Models.Select(m => (m.Id, m.File, m.Hash, m.Role, m.Category, m.Source, m.Chain, m.TestAccuracy)),
            merged.Manifest.Models.Select(m => (m.Id, m.File, m.Hash, m.Role, m.Category, m.Source, m.Chain, m.TestAccuracy)));
        Assert.Equal(unsharded.SpecHash, merged.Manifest.SpecHash);
    }

    [Fact]
    public void AShardBuildsAMissingParentItDoesNotOwn()
    {
        using var dir = new TinyZoo.TempDir();
        var result = ZooBuilder.Build(TinyZoo.Plan(), dir.Path, new ZooBuildOptions { Shard = ZooShard.Parse("2/2") });
        Assert.Equal(["src", "ftal", "ind-a"], result.Built);
        Assert.Equal(["ftal", "ind-a"], result.Manifest.Models.Select(m => m.Id));
    }

    /// <summary>A model whose training diverges must not stop a long build: the others are built, the failure and
    /// the model that depends on it are reported together, no manifest is written, and the finished files are
    /// reused by the next run.</summary>
    [Fact]
    public void AFailingModelIsReportedAfterTheOthersAreBuilt()
    {
        using var dir = new TinyZoo.TempDir();
        const string indB = "{ \"id\": \"ind-b\", \"role\": \"independent\", \"chain\": [ { \"train\": { \"arch\": \"lenet5\", \"seed\": 3 } } ] }";
        string json = TinyZoo.Json.Replace(indB,
            "{ \"id\": \"bad\", \"role\": \"independent\", \"chain\": [ { \"train\": { \"seed\": 9, \"lr\": 1e30 } } ] },\n"
            + "{ \"id\": \"bad-child\", \"role\": \"independent\", \"parent\": \"bad\", \"chain\": [ { \"attack\": \"ftal\", \"seed\": 9 } ] },\n"
            + indB);
        Assert.NotEqual(TinyZoo.Json, json);
        var plan = ZooPlan.Create(ZooSpec.Parse(json));
        var log = new List<string>();

        var error = Assert.Throws<ZooBuildException>(() => ZooBuilder.Build(plan, dir.Path, new ZooBuildOptions { Log = log.Add }));

        Assert.Equal(["bad", "bad-child"], error.Failures.Select(f => f.Id));
        Assert.All(error.Failures, f => Assert.Contains("diverged", f.Message));
        Assert.All(error.Failures, f => Assert.Contains("model 'bad', step 1 (train)", f.Where));
        Assert.Single(log, l => l.Contains("model 'bad', step 1 (train): building"));  // the child did not train it again
        Assert.False(File.Exists(Path.Combine(dir.Path, ZooManifest.FileName)));
        // every other model was built, after the failure too (ind-b comes last)
        foreach (var e in plan.Entries.Where(e => e.Id is not ("bad" or "bad-child")))
            Assert.True(File.Exists(Path.Combine(dir.Path, e.Final.File)), e.Id);

        var fixedPlan = ZooPlan.Create(ZooSpec.Parse(TinyZoo.Json));
        var again = ZooBuilder.Build(fixedPlan, dir.Path);
        Assert.Empty(again.Built);
    }

    [Fact]
    public void ACorruptCachedModelIsRebuiltWithAWarningAndRefusedWhenOnlyAssemblingTheManifest()
    {
        using var dir = new TinyZoo.TempDir();
        var plan = TinyZoo.Plan();
        var first = ZooBuilder.Build(plan, dir.Path);
        var ind = first.Manifest.Models.Single(m => m.Id == "ind-a");
        var path = Path.Combine(dir.Path, ind.File);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<InvalidDataException>(() => ZooBuilder.Build(plan, dir.Path, new ZooBuildOptions { BuildMissing = false }));
        Assert.Contains("model 'ind-a'", error.Message);

        var again = ZooBuilder.Build(plan, dir.Path);
        Assert.Equal(["ind-a"], again.Built);
        Assert.Contains(again.Warnings, w => w.Contains("model 'ind-a'") && w.Contains("rebuilt"));
        Assert.True(File.Exists(path + ".corrupt"));
        Assert.Equal(ind.Hash, again.Manifest.Models.Single(m => m.Id == "ind-a").Hash);
    }

    [Fact]
    public void AModelFileThatDoesNotMatchItsArchitectureIsDetected()
    {
        using var dir = new TinyZoo.TempDir();
        var plan = TinyZoo.Plan();
        var first = ZooBuilder.Build(plan, dir.Path);
        var src = first.Manifest.Models.Single(m => m.Id == "src");
        var path = Path.Combine(dir.Path, src.File);
        // cnn-c weights under a LeNet-5 architecture record
        var content = SafeTensors.Load(path);
        var lenet = ModelFile.Load(Path.Combine(dir.Path, first.Manifest.Models.Single(m => m.Id == "ind-b").File));
        var meta = new Dictionary<string, string>(content.Metadata) { ["lineage.architecture"] = lenet.ArchitectureJson };
        SafeTensors.Save(path, content.Tensors, meta);

        var error = Assert.Throws<InvalidDataException>(() => ZooBuilder.Build(plan, dir.Path, new ZooBuildOptions { BuildMissing = false }));
        Assert.Contains("does not match its declared architecture", error.Message);

        var again = ZooBuilder.Build(plan, dir.Path);
        Assert.Equal(["src"], again.Built);
        Assert.Contains(again.Warnings, w => w.Contains("does not match its declared architecture"));
        Assert.Equal(src.Hash, again.Manifest.Models.Single(m => m.Id == "src").Hash);
    }
}
