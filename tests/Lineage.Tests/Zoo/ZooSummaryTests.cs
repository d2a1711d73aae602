using Lineage.Zoo;

namespace Lineage.Tests.Zoo;

public sealed class ZooSummaryTests
{
    static ZooManifestModel M(string id, string role, string category, double? acc, double? seconds) => new()
    {
        Id = id, File = $"models/{id}.safetensors", Hash = id, Role = role, Category = category, Source = null, Chain = id,
        TestAccuracy = acc, Seconds = seconds,
    };

    static ZooManifest Manifest(params ZooManifestModel[] models) => new()
    {
        SpecHash = "t", SplitSeed = 1, Models = models,
        Dataset = new ZooManifestDataset { Name = "shapes", TrainCount = 10, TestCount = 10, DataSeed = 0 },
    };

    [Fact]
    public void RowsGroupByRoleAndCategoryInManifestOrder()
    {
        var m = Manifest(
            M("ind-1", "independent", "independent", 0.70, 10),
            M("ft-1", "stolen", "Finetune-A", 0.88, 4), M("x-1", "stolen", "Extract-L", 0.80, 20), M("ft-2", "stolen", "Finetune-A", 0.86, 6),
            M("src", "source", "source", 0.89, 30), M("ind-2", "independent", "independent", 0.75, 12));
        var rows = ZooSummary.Rows(m);
        Assert.Equal(["source/source", "stolen/Finetune-A", "stolen/Extract-L", "independent/independent"], rows.Select(r => $"{r.Role}/{r.Category}"));
        var ft = rows[1];
        Assert.Equal((2, 0.86, 0.88, 10.0), (ft.Models, ft.MinAccuracy!.Value, ft.MaxAccuracy!.Value, ft.BuildSeconds!.Value));
        Assert.Equal(0.87, ft.MeanAccuracy!.Value, 9);
        Assert.Equal(82.0, ZooSummary.TotalBuildSeconds(m));
    }

    [Fact]
    public void AMissingBuildRecordMakesTheTimeUnknownNotSmaller()
    {
        var m = Manifest(M("src", "source", "source", 0.9, 30), M("ft", "stolen", "Finetune-A", null, null));
        Assert.Null(ZooSummary.TotalBuildSeconds(m));
        var ft = ZooSummary.Rows(m)[1];
        Assert.Null(ft.BuildSeconds);
        Assert.Null(ft.MinAccuracy);
    }
}
