using Lineage.Data;

namespace Lineage.Zoo;

/// <summary>
/// What a plan needs to know about a dataset without loading it (class count and image shape), so a spec is
/// checked in milliseconds, even on a machine without the files; and the loading itself, with the spec's subsets.
/// </summary>
public static class ZooDatasets
{
    public static int Classes(ZooDataSpec data) => DatasetCatalog.Canonical(data.Name) switch
    {
        DatasetCatalog.Cifar100 => data.Coarse ? 20 : 100,
        _ => 10,
    };

    /// <summary>C x H x W as text, for comparing image shapes between the zoo's data and its transfer set.</summary>
    public static string ImageShape(ZooDataSpec data) => DatasetCatalog.Canonical(data.Name) switch
    {
        DatasetCatalog.Cifar10 or DatasetCatalog.Cifar100 or DatasetCatalog.Shapes32 => "3x32x32",
        _ => "1x28x28",
    };

    /// <summary>Loads the data and applies the subsets; the counts it reports are the ones the models see.</summary>
    public static DatasetPair Load(ZooDataSpec data, string? dataDir)
    {
        var options = new DatasetLoadOptions
        {
            DataDir = dataDir,
            Seed = data.DataSeed,
            CoarseLabels = data.Coarse,
            TrainCount = data.TrainCount ?? ShapesDataset.DefaultTrainCount,
            TestCount = data.TestCount ?? ShapesDataset.DefaultTestCount,
        };
        var pair = DatasetCatalog.Load(data.Name, options);
        var train = pair.Train;
        var test = pair.Test;
        if (data.TrainSubset is int n) train = DataSplits.Subsample(train, Math.Min(n, train.Count), data.DataSeed);
        if (data.TestSubset is int m) test = DataSplits.Subsample(test, Math.Min(m, test.Count), data.DataSeed);
        return new DatasetPair(train, test, pair.Location);
    }
}
