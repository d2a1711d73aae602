using Lineage.Data;
using Lineage.Data.Formats;

namespace Lineage.Tests.Data;

public class DiscoveryTests
{
    [Fact]
    public void MissingDatasetListsEveryPlaceSearchedAndHowToGetIt()
    {
        using var dir = new TempDir();
        var locator = new DatasetLocator(dir.File("cli"), dir.File("env"), dir.File("system"), dir.File("home"));
        var e = Assert.Throws<DatasetNotFoundException>(() => DatasetCatalog.Load("fashion-mnist", new DatasetLoadOptions { Locator = locator }));
        foreach (var place in new[] { "cli", "env", "system", Path.Combine("home", ".lineage", "data") })
            Assert.Contains(Path.Combine(dir.File(place), "fashion-mnist"), e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("--data-dir", e.Message);
        Assert.Equal(8, e.Searched.Count);
    }

    [Fact]
    public void SearchOrderPrefersDataDirThenEnvironment()
    {
        using var dir = new TempDir();
        var locator = new DatasetLocator(dir.File("a"), dir.File("b"), null, null);
        Assert.Equal(
            [Path.Combine(dir.File("a"), "mnist"), dir.File("a"), Path.Combine(dir.File("b"), "mnist"), dir.File("b")],
            locator.Candidates("mnist"));
    }

    static void WriteMnistFiles(string folder, int train, int test, bool gzip)
    {
        Directory.CreateDirectory(folder);
        string ext = gzip ? ".gz" : "";
        IdxFile.Write(Path.Combine(folder, "train-images-idx3-ubyte" + ext), [train, 28, 28], TestData.Pixels(train * 784), gzip);
        IdxFile.Write(Path.Combine(folder, "train-labels-idx1-ubyte" + ext), [train], Enumerable.Range(0, train).Select(i => (byte)(i % 10)).ToArray(), gzip);
        IdxFile.Write(Path.Combine(folder, "t10k-images-idx3-ubyte" + ext), [test, 28, 28], TestData.Pixels(test * 784), gzip);
        IdxFile.Write(Path.Combine(folder, "t10k-labels-idx1-ubyte" + ext), [test], Enumerable.Range(0, test).Select(i => (byte)(9 - i % 10)).ToArray(), gzip);
    }

    [Fact]
    public void FindsMnistUnderTheEnvironmentRootWhenDataDirLacksIt()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("empty"));
        WriteMnistFiles(Path.Combine(dir.File("env"), "mnist"), 20, 10, gzip: false);
        var pair = DatasetCatalog.Load("mnist", new DatasetLoadOptions { Locator = new DatasetLocator(dir.File("empty"), dir.File("env"), null, null) });
        Assert.Equal(Path.Combine(dir.File("env"), "mnist"), pair.Location);
        Assert.Equal(20, pair.Train.Count);
        Assert.Equal(10, pair.Test.Count);
        Assert.Equal(9, pair.Test.Labels[0]);
        Assert.Equal(Preprocessing.Mnist, pair.Train.Preprocessing);
    }

    [Fact]
    public void DataDirThatIsTheDatasetFolderItselfWorks()
    {
        using var dir = new TempDir();
        WriteMnistFiles(dir.Path, 10, 10, gzip: true);
        var pair = DatasetCatalog.Load("fmnist", new DatasetLoadOptions { Locator = new DatasetLocator(dir.Path, null, null, null) });
        Assert.Equal("fashion-mnist/train", pair.Train.Origin.Description);
        Assert.Equal("Ankle boot", pair.Train.ClassNames[9]);
    }

    [Fact]
    public void CorruptFileFoundByDiscoveryFailsWithoutAPartialDataset()
    {
        using var dir = new TempDir();
        WriteMnistFiles(dir.Path, 10, 10, gzip: false);
        var labels = Path.Combine(dir.Path, "t10k-labels-idx1-ubyte");
        File.WriteAllBytes(labels, File.ReadAllBytes(labels)[..^3]);
        var e = Assert.Throws<DataFormatException>(() => DatasetCatalog.Load("mnist", new DatasetLoadOptions { Locator = new DatasetLocator(dir.Path, null, null, null) }));
        Assert.Equal(labels, e.Path);
    }

    [Fact]
    public void UnknownNameListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => DatasetCatalog.Load("imagenet"));
        Assert.Contains("fashion-mnist", e.Message);
        Assert.Contains("shapes32", e.Message);
    }
}
