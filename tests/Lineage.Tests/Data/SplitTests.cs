using Lineage.Data;

namespace Lineage.Tests.Data;

public class SplitTests
{
    [Fact]
    public void HalvesAreClassBalancedDisjointAndCoverTheSet()
    {
        var ds = TestData.Make(200, classes: 10);
        var (defender, attacker) = DataSplits.DefenderAttackerHalves(ds, seed: 1);
        Assert.All(defender.ClassCounts(), c => Assert.Equal(10, c));
        Assert.All(attacker.ClassCounts(), c => Assert.Equal(10, c));
        var d = ImageKeys(defender);
        var a = ImageKeys(attacker);
        Assert.Empty(d.Intersect(a));
        Assert.Equal(ImageKeys(ds).Order(), d.Concat(a).Order());
    }

    /// <summary>Identifies images by their first pixels (TestData makes them distinct).</summary>
    static List<string> ImageKeys(Dataset ds) =>
        Enumerable.Range(0, ds.Count).Select(i => string.Join(",", ds.Image(i).ToArray())).ToList();

    [Fact]
    public void SameSeedSameSplitOtherSeedOtherSplit()
    {
        var ds = TestData.Make(100, classes: 5);
        var a = DataSplits.DefenderAttackerHalves(ds, 7).Defender;
        var b = DataSplits.DefenderAttackerHalves(ds, 7).Defender;
        var c = DataSplits.DefenderAttackerHalves(ds, 8).Defender;
        Assert.Equal(a.Images, b.Images);
        Assert.NotEqual(a.Images, c.Images);
    }

    [Fact]
    public void SplitsDescribeThemselvesStablyAndCanBeRedrawn()
    {
        var ds = new Dataset(TestData.Make(60).Images, TestData.Make(60).Labels, TestData.Make(60).ClassNames,
            Preprocessing.Identity(1, 4, 4), new DataOrigin("fashion-mnist", "train", []));
        var (defender, attacker) = DataSplits.DefenderAttackerHalves(ds, 1);
        Assert.Equal("fashion-mnist/train/defender(seed=1)", defender.Origin.Description);
        Assert.Equal("fashion-mnist/train/attacker(seed=1)", attacker.Origin.Description);

        var sample = DataSplits.Subsample(defender, 20, seed: 2);
        Assert.Equal("fashion-mnist/train/defender(seed=1)/sample(seed=2,n=20)", sample.Origin.Description);

        var spec = SplitSpec.Parse(sample.Origin.Description);
        Assert.Equal(sample.Origin.Split, spec);
        var redrawn = DataSplits.Redraw(DataSplits.Redraw(ds, SplitSpec.Parse(spec.Source)), spec);
        Assert.Equal(sample.Images, redrawn.Images);
        Assert.Equal(sample.Labels, redrawn.Labels);
    }

    [Fact]
    public void SubsampleIsBalancedWithRemainderSpread()
    {
        var ds = TestData.Make(300, classes: 10);
        var s = DataSplits.Subsample(ds, 23, seed: 3);
        Assert.Equal(23, s.Count);
        var counts = s.ClassCounts();
        Assert.Equal(3, counts.Count(c => c == 3));
        Assert.Equal(7, counts.Count(c => c == 2));
    }

    [Fact]
    public void HoldoutIsDisjointAndBalanced()
    {
        var ds = TestData.Make(100, classes: 4);
        var (fit, validation) = DataSplits.Holdout(ds, 0.2, seed: 5);
        Assert.Equal(80, fit.Count);
        Assert.Equal(20, validation.Count);
        Assert.All(validation.ClassCounts(), c => Assert.Equal(5, c));
        Assert.Empty(ImageKeys(fit).Intersect(ImageKeys(validation)));
        Assert.Equal("toy/train/validation(seed=5,n=20)", validation.Origin.Description);
    }

    [Fact]
    public void SubsampleLargerThanAClassFails()
    {
        var balanced = TestData.Make(40, classes: 2);
        var ds = balanced.Subset(Enumerable.Range(0, 40).Where(i => balanced.Labels[i] == 0 || i < 4).ToArray()); // 20 + 2
        var e = Assert.Throws<ArgumentException>(() => DataSplits.Subsample(ds, 10, 0));
        Assert.Contains("has only 2", e.Message);
    }

    [Fact]
    public void RelabelToSuperClassesAndSelectClasses()
    {
        var ds = TestData.Make(20, classes: 10);
        var super = ClassMappings.ToFashionMnistSuperClasses(ds);
        Assert.Equal(["tops", "bottoms", "footwear", "bags"], super.ClassNames);
        Assert.Equal(new[] { 10, 2, 6, 2 }, super.ClassCounts());
        Assert.Equal(ds.Images, super.Images);

        var first3 = ClassMappings.FirstClasses(ds, 3);
        Assert.Equal(6, first3.Count);
        Assert.Equal(["class0", "class1", "class2"], first3.ClassNames);
        Assert.Equal(new[] { 0, 1, 2, 0, 1, 2 }, first3.Labels);
        Assert.Equal("toy:classes=0,1,2/train", first3.Origin.Description);
    }
}
