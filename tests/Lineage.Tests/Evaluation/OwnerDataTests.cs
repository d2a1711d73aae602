using Lineage.Data;
using Lineage.Evaluation;
using Lineage.Files;
using Lineage.Tests.Zoo;
using Lineage.Zoo;

namespace Lineage.Tests.Evaluation;

/// <summary>The evaluation fingerprints with the owner's data, which must be the defender half the zoo's source
/// was trained on, also when the spec took a subset of the dataset first (the manifest records only counts).</summary>
public sealed class OwnerDataTests
{
    [Fact]
    public void OwnerDataIsTheDefenderHalfOfTheSubsetTheZooUsed()
    {
        using var dir = new TinyZoo.TempDir();
        string specJson = TinyZoo.Json.Replace("\"data_seed\": 2 }", "\"data_seed\": 2, \"train_subset\": 200 }");
        Assert.NotEqual(TinyZoo.Json, specJson);
        AtomicFile.WriteAllText(Path.Combine(dir.Path, ZooBuilder.SpecFileName), specJson);
        var spec = ZooSpec.Parse(specJson);
        var manifest = new ZooManifest
        {
            SpecHash = "test", SplitSeed = spec.SplitSeed, Models = [], Directory = dir.Path,
            Dataset = new ZooManifestDataset { Name = "shapes", TrainCount = 200, TestCount = 100, DataSeed = 2 },
        };

        var owner = ZooEvaluation.OwnerData(manifest, dataDir: null);

        Assert.Equal(100, owner.Count);  // half of the 200-image subset, not half of the 400 generated images
        var subset = ZooDatasets.Load(spec.Dataset, null).Train;
        var expected = DataSplits.DefenderAttackerHalves(subset, spec.SplitSeed).Defender;
        Assert.Equal(expected.Labels, owner.Labels);
        Assert.Equal(expected.Images, owner.Images);
    }

    [Fact]
    public void ASpecThatContradictsTheManifestIsRefused()
    {
        using var dir = new TinyZoo.TempDir();
        AtomicFile.WriteAllText(Path.Combine(dir.Path, ZooBuilder.SpecFileName), TinyZoo.Json);
        var manifest = new ZooManifest
        {
            SpecHash = "test", SplitSeed = 9, Models = [], Directory = dir.Path,
            Dataset = new ZooManifestDataset { Name = "shapes", TrainCount = 400, TestCount = 100, DataSeed = 2 },
        };
        var e = Assert.Throws<InvalidDataException>(() => ZooEvaluation.OwnerData(manifest, null));
        Assert.Contains("split seed", e.Message);
    }
}
