using Lineage.Data;
using Lineage.Data.Formats;

namespace Lineage.Tests.Data;

public class IdxTests
{
    static readonly string[] Classes = DatasetCatalog.MnistClasses;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MnistPairRoundTripsRawAndGzipped(bool gzip)
    {
        using var dir = new TempDir();
        var pixels = TestData.Pixels(5 * 28 * 28);
        byte[] labels = [3, 0, 9, 1, 7];
        IdxFile.Write(dir.File("images"), [5, 28, 28], pixels, gzip);
        IdxFile.Write(dir.File("labels"), [5], labels, gzip);
        Assert.Equal(gzip, FileBytesIsGzip(dir.File("images")));

        var ds = MnistReader.Read(dir.File("images"), dir.File("labels"), Classes, Preprocessing.Mnist, new DataOrigin("mnist", "train", []));

        Assert.Equal(5, ds.Count);
        Assert.Equal(new[] { 3, 0, 9, 1, 7 }, ds.Labels);
        Assert.Equal([1, 28, 28], ds.ImageShape);
        for (int i = 0; i < pixels.Length; i++) Assert.Equal(pixels[i] / 255f, ds.Images[i], 6);
    }

    static bool FileBytesIsGzip(string path) { var b = File.ReadAllBytes(path); return b[0] == 0x1f && b[1] == 0x8b; }

    [Fact]
    public void WrongMagicNamesTheFile()
    {
        using var dir = new TempDir();
        IdxFile.Write(dir.File("images"), [2, 28, 28], TestData.Pixels(2 * 784));
        var bytes = File.ReadAllBytes(dir.File("images"));
        bytes[0] = 0x12;
        File.WriteAllBytes(dir.File("images"), bytes);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.Read(dir.File("images")));
        Assert.Contains(dir.File("images"), e.Message);
        Assert.Contains("magic", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedFileFails(bool gzip)
    {
        using var dir = new TempDir();
        var full = dir.File("full");
        IdxFile.Write(full, [3, 28, 28], TestData.Pixels(3 * 784));
        var cut = File.ReadAllBytes(full)[..^100];
        // Rewrite the truncated bytes in the requested container.
        var path = dir.File("cut");
        if (gzip)
        {
            using var f = File.Create(path);
            using var z = new System.IO.Compression.GZipStream(f, System.IO.Compression.CompressionLevel.Fastest);
            z.Write(cut);
        }
        else File.WriteAllBytes(path, cut);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("2352 bytes", e.Message);
    }

    [Fact]
    public void TruncatedGzipStreamFails()
    {
        using var dir = new TempDir();
        var path = dir.File("images.gz");
        IdxFile.Write(path, [50, 28, 28], TestData.Pixels(50 * 784), gzip: true);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void LabelOutOfRangeFails()
    {
        using var dir = new TempDir();
        IdxFile.Write(dir.File("images"), [2, 28, 28], TestData.Pixels(2 * 784));
        IdxFile.Write(dir.File("labels"), [2], [4, 12]);
        var e = Assert.Throws<DataFormatException>(() =>
            MnistReader.Read(dir.File("images"), dir.File("labels"), Classes, Preprocessing.Mnist, new DataOrigin("mnist", "train", [])));
        Assert.Contains(dir.File("labels"), e.Message);
        Assert.Contains("label 12 at index 1", e.Message);
    }

    [Fact]
    public void ImageAndLabelCountsMustAgree()
    {
        using var dir = new TempDir();
        IdxFile.Write(dir.File("images"), [3, 28, 28], TestData.Pixels(3 * 784));
        IdxFile.Write(dir.File("labels"), [2], [1, 2]);
        var e = Assert.Throws<DataFormatException>(() =>
            MnistReader.Read(dir.File("images"), dir.File("labels"), Classes, Preprocessing.Mnist, new DataOrigin("mnist", "train", [])));
        Assert.Contains("2 labels", e.Message);
        Assert.Contains("3 images", e.Message);
    }

    [Fact]
    public void WrongImageSizeFails()
    {
        using var dir = new TempDir();
        IdxFile.Write(dir.File("images"), [1, 32, 32], TestData.Pixels(1024));
        IdxFile.Write(dir.File("labels"), [1], [1]);
        var e = Assert.Throws<DataFormatException>(() =>
            MnistReader.Read(dir.File("images"), dir.File("labels"), Classes, Preprocessing.Mnist, new DataOrigin("mnist", "train", [])));
        Assert.Contains("expected 28 x 28", e.Message);
    }
}
