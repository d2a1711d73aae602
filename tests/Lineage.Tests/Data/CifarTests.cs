using Lineage.Data;
using Lineage.Data.Formats;

namespace Lineage.Tests.Data;

public class CifarTests
{
    static byte[] Records(byte[][] labels, int seed)
    {
        int labelBytes = labels[0].Length, record = labelBytes + CifarReader.PixelBytes;
        var bytes = new byte[labels.Length * record];
        var pixels = TestData.Pixels(CifarReader.PixelBytes, seed);
        for (int r = 0; r < labels.Length; r++)
        {
            labels[r].CopyTo(bytes, r * record);
            pixels.CopyTo(bytes, r * record + labelBytes);
            bytes[r * record + labelBytes] = (byte)r; // first red pixel tells records apart
        }
        return bytes;
    }

    [Fact]
    public void Cifar10BinaryReadsLabelsAndChwPixels()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("a.bin"), Records([[6], [9]], 1));
        File.WriteAllBytes(dir.File("b.bin"), Records([[0]], 2));
        var ds = CifarReader.Read([dir.File("a.bin"), dir.File("b.bin")], 1, 0, DatasetCatalog.Cifar10Classes, Preprocessing.Cifar10, new DataOrigin("cifar10", "train", []));
        Assert.Equal(new[] { 6, 9, 0 }, ds.Labels);
        Assert.Equal([3, 32, 32], ds.ImageShape);
        Assert.Equal(1 / 255f, ds.Image(1)[0], 6);
        var expected = TestData.Pixels(CifarReader.PixelBytes, 2);
        Assert.Equal(expected[1024] / 255f, ds.Image(2)[1024], 6); // first green pixel: CHW kept as stored
    }

    [Fact]
    public void Cifar100ReadsFineByDefaultAndCoarseOnRequest()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("train.bin"), Records([[4, 72], [19, 99]], 3));
        int[] limits = [20, 100];
        var fine = CifarReader.Read([dir.File("train.bin")], 2, 1, DatasetCatalog.Cifar100FineClasses, Preprocessing.Cifar100, new DataOrigin("cifar100", "train", []), limits);
        var coarse = CifarReader.Read([dir.File("train.bin")], 2, 0, DatasetCatalog.Cifar100CoarseClasses, Preprocessing.Cifar100, new DataOrigin("cifar100", "train", []), limits);
        Assert.Equal(new[] { 72, 99 }, fine.Labels);
        Assert.Equal(new[] { 4, 19 }, coarse.Labels);
        Assert.Equal("seal", fine.ClassNames[72]);
        Assert.Equal(100, fine.NumClasses);
        Assert.Equal(20, coarse.NumClasses);
    }

    [Fact]
    public void Cifar100NameListsHaveTheirSizes()
    {
        Assert.Equal(100, DatasetCatalog.Cifar100FineClasses.Distinct().Count());
        Assert.Equal(20, DatasetCatalog.Cifar100CoarseClasses.Distinct().Count());
        Assert.Equal(("apple", "pickup_truck", "worm"), (DatasetCatalog.Cifar100FineClasses[0], DatasetCatalog.Cifar100FineClasses[58], DatasetCatalog.Cifar100FineClasses[99]));
    }

    [Fact]
    public void TruncatedRecordFails()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("data_batch_1.bin"), Records([[1], [2]], 0)[..^5]);
        var e = Assert.Throws<DataFormatException>(() =>
            CifarReader.Read([dir.File("data_batch_1.bin")], 1, 0, DatasetCatalog.Cifar10Classes, Preprocessing.Cifar10, new DataOrigin("cifar10", "train", [])));
        Assert.Contains(dir.File("data_batch_1.bin"), e.Message);
        Assert.Contains("3073-byte record", e.Message);
    }

    [Fact]
    public void LabelOutOfRangeFailsEvenInTheUnusedByte()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("train.bin"), Records([[4, 72], [25, 3]], 0));
        var e = Assert.Throws<DataFormatException>(() =>
            CifarReader.Read([dir.File("train.bin")], 2, 1, DatasetCatalog.Cifar100FineClasses, Preprocessing.Cifar100, new DataOrigin("cifar100", "train", []), [20, 100]));
        Assert.Contains("record 1 has label 25", e.Message);
        Assert.Contains("0..19", e.Message);
    }

    [Fact]
    public void CatalogFindsCifar10InItsStandardFolder()
    {
        using var dir = new TempDir();
        var batches = Directory.CreateDirectory(Path.Combine(dir.Path, "cifar10", "cifar-10-batches-bin")).FullName;
        for (int i = 1; i <= 5; i++) File.WriteAllBytes(Path.Combine(batches, $"data_batch_{i}.bin"), Records([[(byte)i], [(byte)(i + 1)]], i));
        File.WriteAllBytes(Path.Combine(batches, "test_batch.bin"), Records([[7]], 9));
        var pair = DatasetCatalog.Load("cifar-10", new DatasetLoadOptions { Locator = new DatasetLocator(dir.Path, null, null, null) });
        Assert.Equal(10, pair.Train.Count);
        Assert.Equal(new[] { 1, 2, 2, 3, 3, 4, 4, 5, 5, 6 }, pair.Train.Labels);
        Assert.Equal(new[] { 7 }, pair.Test.Labels);
        Assert.Equal("cifar10/train", pair.Train.Origin.Description);
        Assert.Equal(5, pair.Train.Origin.Files.Count);
    }
}
