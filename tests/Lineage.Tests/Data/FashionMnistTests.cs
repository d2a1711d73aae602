using Lineage.Data;

namespace Lineage.Tests.Data;

/// <summary>Runs against the real files where Debian's dataset-fashion-mnist is installed; reports
/// itself skipped elsewhere.</summary>
public class FashionMnistTests
{
    [FashionMnistFact]
    public void RealFilesHaveThePublishedCountsAndFirstLabel()
    {
        var pair = DatasetCatalog.Load("fashion-mnist", new DatasetLoadOptions { Locator = new DatasetLocator(FashionMnistFactAttribute.Folder, null, null, null) });
        Assert.Equal(60_000, pair.Train.Count);
        Assert.Equal(10_000, pair.Test.Count);
        Assert.Equal(9, pair.Train.Labels[0]);
        Assert.Equal("Ankle boot", pair.Train.ClassNames[pair.Train.Labels[0]]);
        Assert.All(pair.Train.ClassCounts(), n => Assert.Equal(6_000, n));
        var (mean, std) = pair.Train.ChannelStatistics();
        Assert.Equal(0.2860f, mean[0], 0.001f);
        Assert.Equal(0.3530f, std[0], 0.001f);
    }
}
