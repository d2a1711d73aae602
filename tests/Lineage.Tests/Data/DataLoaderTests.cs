using Lineage.Data;
using Lineage.Data.Augmentations;
using Lineage.Engine;

namespace Lineage.Tests.Data;

public class DataLoaderTests
{
    [Fact]
    public void AnEpochVisitsEverySampleOnceInSeededOrder()
    {
        var ds = TestData.Make(23, classes: 5);
        var loader = new DataLoader(ds, batchSize: 5, shuffle: true, seed: 3);
        var batches = loader.Epoch(0).ToList();
        Assert.Equal(5, batches.Count);
        Assert.Equal(new[] { 5, 5, 5, 5, 3 }, batches.Select(b => b.Labels.Length));
        var seen = batches.SelectMany(b => b.Indices).ToArray();
        Assert.Equal(Enumerable.Range(0, 23), seen.Order());
        Assert.NotEqual(Enumerable.Range(0, 23), seen);
        Assert.Equal(seen, new DataLoader(ds, 5, true, 3).Epoch(0).SelectMany(b => b.Indices));
        Assert.NotEqual(seen, loader.Epoch(1).SelectMany(b => b.Indices));
    }

    [Fact]
    public void BatchesHoldTheRightImagesAndLabels()
    {
        var ds = TestData.Make(10, classes: 3, c: 2, h: 3, w: 3);
        foreach (var batch in new DataLoader(ds, 4, shuffle: true, seed: 1))
        {
            Assert.Equal([batch.Indices.Length, 2, 3, 3], batch.Images.Shape);
            for (int i = 0; i < batch.Indices.Length; i++)
            {
                Assert.Equal(ds.Labels[batch.Indices[i]], batch.Labels[i]);
                Assert.Equal(ds.Image(batch.Indices[i]).ToArray(), batch.Images.Span.Slice(i * 18, 18).ToArray());
            }
        }
    }

    [Fact]
    public void DropLastAndEnumerationAdvanceEpochs()
    {
        var ds = TestData.Make(23);
        var loader = new DataLoader(ds, 5, shuffle: true, seed: 2, dropLast: true);
        Assert.Equal(4, loader.Count);
        var first = loader.SelectMany(b => b.Indices).ToArray();
        var second = loader.SelectMany(b => b.Indices).ToArray();
        Assert.Equal(20, first.Length);
        Assert.Equal(loader.Epoch(0).SelectMany(b => b.Indices), first);
        Assert.Equal(loader.Epoch(1).SelectMany(b => b.Indices), second);
    }

    [Fact]
    public void AugmentationIsAppliedAndSeeded()
    {
        var ds = TestData.Make(8, c: 1, h: 4, w: 4);
        var plain = new DataLoader(ds, 8, shuffle: false).Epoch(0).Single();
        var flipped = new DataLoader(ds, 8, shuffle: false, augmentation: new HorizontalFlip(1)).Epoch(0).Single();
        Assert.Equal(new HorizontalFlip(1).Apply(plain.Images, new Generator(0)).ToArray(), flipped.Images.ToArray());
        var noisy1 = new DataLoader(ds, 8, seed: 4, augmentation: new GaussianNoise(0.1f)).Epoch(2).Single().Images.ToArray();
        var noisy2 = new DataLoader(ds, 8, seed: 4, augmentation: new GaussianNoise(0.1f)).Epoch(2).Single().Images.ToArray();
        Assert.Equal(noisy1, noisy2);
    }
}
