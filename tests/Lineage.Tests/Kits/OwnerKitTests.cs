using Lineage.Kits;
using Lineage.Tests.Zoo;

namespace Lineage.Tests.Kits;

/// <summary>The kit manifest and loader on hand-written manifests (no training): round trip, refusals, split.</summary>
public sealed class OwnerKitTests
{
    static KitManifest Manifest(int references, int surrogates) => new()
    {
        Source = new KitManifestSource { Hash = "ab12cd34ef56ab12cd34ef56", File = "src.safetensors", Kind = "lineage-model", Architecture = "cnn-c" },
        Dataset = new KitManifestDataset { Name = "shapes", TrainCount = 400, TestCount = 100, DataSeed = 0, SplitSeed = 1, Part = "defender", OwnerImages = 200, TestImages = 100 },
        Input = new KitManifestInput { Declaration = "model file", Mean = [0.2f], Std = [0.3f], Shape = [1, 28, 28] },
        Size = "tiny",
        SpecHash = "5eed",
        Models =
        [
            .. Enumerable.Range(0, references).Select(i => Model($"kit-ref-{i}", KitManifestModel.ReferenceRole, i)),
            .. Enumerable.Range(0, surrogates).Select(i => Model($"kit-sur-{i}", KitManifestModel.SurrogateRole, 100 + i)),
        ],
    };

    static KitManifestModel Model(string id, string role, int n) => new()
    {
        Id = id, Role = role, Architecture = "cnn-c", Origin = $"train seed={1001 + n}", Chain = "train(…)",
        Hash = $"{n:x64}", File = $"models/{id}.safetensors", TestAccuracy = 0.5, Seconds = 1.5,
    };

    static string Write(string dir, KitManifest manifest)
    {
        Directory.CreateDirectory(Path.Combine(dir, "models"));
        foreach (var m in manifest.Models) File.WriteAllText(Path.Combine(dir, m.File), "");
        manifest.Save(Path.Combine(dir, KitManifest.FileName));
        return dir;
    }

    [Fact]
    public void TheManifestRoundTripsThroughKitJson()
    {
        using var dir = new TinyZoo.TempDir();
        var manifest = Manifest(3, 2);
        var kit = OwnerKit.Load(Write(dir.Path, manifest));
        Assert.Equal(manifest.ToJson(), kit.Manifest.ToJson());
        Assert.Equal(manifest.ToJson(), KitManifest.Parse(File.ReadAllText(kit.ManifestPath), "kit.json").ToJson());
        Assert.Equal("lineage-kit/1", kit.Manifest.Format);
        Assert.Equal(["kit-ref-0", "kit-ref-1", "kit-ref-2"], kit.References.Select(m => m.Id));
        Assert.Equal(new KitModel("kit-sur-1", KitRole.Surrogate, $"{101:x64}", "models/kit-sur-1.safetensors", "cnn-c", "train seed=1102", 0.5), kit.Surrogates[1]);
        Assert.Equal(5, kit.Models.Count);
        // the kit's hash depends only on its models' hashes, not their order
        Assert.Equal(OwnerKit.HashOf(manifest.Models.Select(m => m.Hash).Reverse()), kit.Hash);
    }

    [Theory]
    [InlineData(0, 3, "2 reference(s)")]
    [InlineData(3, 0, "1 surrogate(s)")]
    public void AKitWithoutReferencesOrSurrogatesIsRefusedForAMethodThatNeedsThem(int references, int surrogates, string needed)
    {
        using var dir = new TinyZoo.TempDir();
        var kit = OwnerKit.Load(Write(dir.Path, Manifest(references, surrogates)));
        var e = Assert.Throws<ArgumentException>(() => kit.RequireAtLeast("cae", 2, 1));
        Assert.Contains("kit.json", e.Message);
        Assert.Contains("cae", e.Message);
        Assert.Contains(needed, e.Message);
        Assert.Contains($"has {references} and {surrogates}", e.Message);
    }

    [Fact]
    public void SplitIsSeededAndHoldsOutExactlyTheAskedNumber()
    {
        using var dir = new TinyZoo.TempDir();
        var kit = OwnerKit.Load(Write(dir.Path, Manifest(7, 2)));
        var (train, held) = kit.Split(KitRole.Reference, 3, seed: 4);
        Assert.Equal(3, held.Count);
        Assert.Equal(4, train.Count);
        Assert.Equal(kit.References.OrderBy(m => m.Id), train.Concat(held).OrderBy(m => m.Id));
        Assert.Equal(held, kit.Split(KitRole.Reference, 3, seed: 4).HeldOut);
        var others = Enumerable.Range(0, 10).Select(s => string.Join(",", kit.Split(KitRole.Reference, 3, s).HeldOut.Select(m => m.Id))).Distinct().Count();
        Assert.True(others > 1, "different seeds hold out different models");
        Assert.Empty(kit.Split(KitRole.Surrogate, 0, 1).HeldOut);
        Assert.Throws<ArgumentException>(() => kit.Split(KitRole.Surrogate, 3, 1));
        Assert.Throws<ArgumentException>(() => kit.Split(KitRole.Surrogate, -1, 1));
    }

    [Fact]
    public void ABrokenKitFailsNamingKitJson()
    {
        using var dir = new TinyZoo.TempDir();
        var e = Assert.Throws<InvalidDataException>(() => OwnerKit.Load(dir.Path));
        Assert.Contains("kit.json", e.Message);
        Assert.Contains("lineage kit build", e.Message);

        Write(dir.Path, Manifest(2, 1));
        File.Delete(Path.Combine(dir.Path, "models", "kit-sur-0.safetensors"));
        e = Assert.Throws<InvalidDataException>(() => OwnerKit.Load(dir.Path));
        Assert.Contains("kit.json", e.Message);
        Assert.Contains("kit-sur-0", e.Message);

        var path = Path.Combine(dir.Path, KitManifest.FileName);
        File.WriteAllText(path, File.ReadAllText(path).Replace("lineage-kit/1", "lineage-kit/9"));
        Assert.Contains("kit.json", Assert.Throws<InvalidDataException>(() => OwnerKit.Load(dir.Path)).Message);
        File.WriteAllText(path, "{ not json");
        Assert.Contains("kit.json", Assert.Throws<InvalidDataException>(() => OwnerKit.Load(dir.Path)).Message);
        Write(dir.Path, Manifest(2, 1) with { Models = [Model("a", "teacher", 1)] });
        Assert.Contains("teacher", Assert.Throws<InvalidDataException>(() => OwnerKit.Load(dir.Path)).Message);
    }

    [Fact]
    public void AModelWhoseFileIsNotTheRecordedOneIsRefusedOnLoad()
    {
        using var dir = new TinyZoo.TempDir();
        var kit = OwnerKit.Load(Write(dir.Path, Manifest(1, 0)));
        // an empty file is not a model file
        var e = Assert.Throws<InvalidDataException>(() => kit.References[0].Load(kit));
        Assert.Contains("kit.json", e.Message);
        Assert.Contains("kit-ref-0", e.Message);
    }
}
