using System.Diagnostics;
using Lineage.Data;

namespace Lineage.Tests.Data;

/// <summary>Timing tests run alone: on a 2-core machine, sharing the cores with other tests would
/// measure the other tests.</summary>
[CollectionDefinition(nameof(TimingCollection), DisableParallelization = true)]
public sealed class TimingCollection;

[Collection(nameof(TimingCollection))]
public class ShapesTimingTests
{
    [Fact]
    public void TenThousandImagesGenerateQuickly()
    {
        ShapesDataset.Generate(ShapesVariant.Gray28, 100, 0); // JIT warm-up
        var watch = Stopwatch.StartNew();
        var ds = ShapesDataset.Generate(ShapesVariant.Gray28, 10_000, 1);
        watch.Stop();
        Assert.Equal(10_000, ds.Count);
        // Loose bound for slow CI machines; the measured figure (about 0.17 s on 2 cores) is in docs/data.md.
        Assert.True(watch.Elapsed.TotalSeconds < 5, $"took {watch.Elapsed.TotalSeconds:0.00} s");
    }
}
