using System.Text;
using Lineage.Data;
using Lineage.Data.Formats;

namespace Lineage.Tests.Data;

public class NpyTests
{
    [Fact]
    public void ReadsTheHeaderNumpyWrites()
    {
        // Byte for byte what np.save(f, np.arange(6, dtype=np.uint8).reshape(2, 3)) writes (format 1.0).
        string dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }";
        string header = dict + new string(' ', 128 - 10 - dict.Length - 1) + "\n";
        var bytes = new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0 }
            .Concat(Encoding.ASCII.GetBytes(header)).Concat(new byte[] { 0, 1, 2, 3, 4, 5 }).ToArray();
        var array = NpyFile.Parse(bytes, "arange.npy");
        Assert.Equal(NpyType.UInt8, array.Type);
        Assert.Equal([2, 3], array.Shape);
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4, 5 }, (byte[])array.Data);
    }

    [Fact]
    public void ReadsNumpyUnicodeStrings()
    {
        // np.save(f, np.array(["cat", "dog"])): dtype '<U3', three UTF-32LE code points per element.
        string dict = "{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }";
        string header = dict + new string(' ', 128 - 10 - dict.Length - 1) + "\n";
        var bytes = new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0 }
            .Concat(Encoding.ASCII.GetBytes(header)).Concat(Encoding.UTF32.GetBytes("catdog")).ToArray();
        var array = NpyFile.Parse(bytes, "names.npy");
        Assert.Equal(NpyType.Unicode, array.Type);
        Assert.Equal(["cat", "dog"], array.ToStrings());
    }

    [Fact]
    public void StringsRoundTripWithPadding()
    {
        using var dir = new TempDir();
        NpyFile.Write(dir.File("s.npy"), NpyArray.FromStrings(["T-shirt/top", "Bag", "Ankle boot", "é"]));
        var back = NpyFile.Read(dir.File("s.npy"));
        Assert.Equal("<U11", back.Descr);
        Assert.Equal(["T-shirt/top", "Bag", "Ankle boot", "é"], back.ToStrings());
    }

    [Fact]
    public void Float32AndUInt8RoundTrip()
    {
        using var dir = new TempDir();
        var floats = Enumerable.Range(0, 24).Select(i => i * 0.25f - 1).ToArray();
        NpyFile.Write(dir.File("f.npy"), NpyArray.FromFloat32(floats, 2, 3, 4));
        NpyFile.Write(dir.File("b.npy"), NpyArray.FromBytes(TestData.Pixels(10), 10));
        var f = NpyFile.Read(dir.File("f.npy"));
        var b = NpyFile.Read(dir.File("b.npy"));
        Assert.Equal([2, 3, 4], f.Shape);
        Assert.Equal(floats, (float[])f.Data);
        Assert.Equal([10], b.Shape);
        Assert.Equal(TestData.Pixels(10), (byte[])b.Data);
        Assert.Equal(0, (File.ReadAllBytes(dir.File("f.npy")).Length - 24 * 4) % 64); // data 64-byte aligned like numpy's
    }

    [Fact]
    public void NpzRoundTripsSeveralArrays()
    {
        using var dir = new TempDir();
        var arrays = new Dictionary<string, NpyArray>
        {
            ["x"] = NpyArray.FromFloat32([1.5f, -2f, 3f, 0f], 2, 2),
            ["y"] = NpyArray.FromInt64([7, 8], 2),
            ["raw"] = NpyArray.FromBytes([255, 0, 128], 3),
        };
        NpzFile.Write(dir.File("s.npz"), arrays);
        var back = NpzFile.Read(dir.File("s.npz"));
        Assert.Equal(["raw", "x", "y"], back.Keys.Order());
        Assert.Equal(new[] { 1.5f, -2f, 3f, 0f }, (float[])back["x"].Data);
        Assert.Equal(new long[] { 7, 8 }, (long[])back["y"].Data);
        Assert.Equal(new byte[] { 255, 0, 128 }, (byte[])back["raw"].Data);
    }

    [Fact]
    public void DatasetRoundTripsThroughNpz()
    {
        using var dir = new TempDir();
        var ds = TestData.Make(12, classes: 3, c: 3, h: 5, w: 4).WithPreprocessing(new Preprocessing([0.1f, 0.2f, 0.3f], [0.4f, 0.5f, 0.6f], [3, 5, 4]));
        NpzSampleSet.Write(dir.File("set.npz"), ds);
        var back = NpzSampleSet.Read(dir.File("set.npz"));
        Assert.Equal(ds.ClassNames, back.ClassNames);
        Assert.Equal(ds.Images, back.Images);
        Assert.Equal(ds.Labels, back.Labels);
        Assert.Equal(ds.Preprocessing, back.Preprocessing);
    }

    [Fact]
    public void SampleSetAcceptsUInt8ChannelsLastImages()
    {
        using var dir = new TempDir();
        // Two 2x2 RGB images in NHWC order, as PIL/numpy code usually holds them.
        byte[] nhwc = [10, 20, 30, 11, 21, 31, 12, 22, 32, 13, 23, 33, 50, 60, 70, 51, 61, 71, 52, 62, 72, 53, 63, 73];
        NpzFile.Write(dir.File("nhwc.npz"), new Dictionary<string, NpyArray>
        {
            ["images"] = NpyArray.FromBytes(nhwc, 2, 2, 2, 3),
            ["labels"] = NpyArray.FromInt64([1, 0], 2),
        });
        var ds = NpzSampleSet.Read(dir.File("nhwc.npz"));
        Assert.Equal([3, 2, 2], ds.ImageShape);
        Assert.Equal(2, ds.NumClasses);
        Assert.Equal(new[] { 10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33 }.Select(v => v / 255f), ds.Image(0).ToArray());
    }

    [Fact]
    public void HeaderThatLiesAboutItsShapeFails()
    {
        using var dir = new TempDir();
        var path = dir.File("liar.npy");
        NpyFile.Write(path, NpyArray.FromFloat32(new float[12], 3, 4));
        var bytes = File.ReadAllBytes(path);
        var text = Encoding.Latin1.GetString(bytes).Replace("(3, 4)", "(5, 4)");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(text));
        var e = Assert.Throws<DataFormatException>(() => NpyFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("80 data bytes", e.Message);
        Assert.Contains("holds 48", e.Message);
    }

    [Fact]
    public void WrongMagicAndUnsupportedDtypeFail()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("bad.npy"), Encoding.ASCII.GetBytes("PK\u0003\u0004 not numpy at all"));
        Assert.Contains("\\x93NUMPY", Assert.Throws<DataFormatException>(() => NpyFile.Read(dir.File("bad.npy"))).Message);

        var path = dir.File("c16.npy");
        NpyFile.Write(path, NpyArray.FromFloat32(new float[2], 2));
        var text = Encoding.Latin1.GetString(File.ReadAllBytes(path)).Replace("<f4", "<c8");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(text));
        Assert.Contains("dtype '<c8' is not supported", Assert.Throws<DataFormatException>(() => NpyFile.Read(path)).Message);
    }

    [Fact]
    public void CorruptNpzAndInconsistentSampleSetFail()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("junk.npz"), TestData.Pixels(100));
        Assert.Contains(dir.File("junk.npz"), Assert.Throws<DataFormatException>(() => NpzFile.Read(dir.File("junk.npz"))).Message);

        NpzFile.Write(dir.File("mismatch.npz"), new Dictionary<string, NpyArray>
        {
            ["images"] = NpyArray.FromFloat32(new float[3 * 16], 3, 4, 4),
            ["labels"] = NpyArray.FromInt64([0, 1], 2),
        });
        var e = Assert.Throws<DataFormatException>(() => NpzSampleSet.Read(dir.File("mismatch.npz")));
        Assert.Contains("expected (3,)", e.Message);

        NpzFile.Write(dir.File("range.npz"), new Dictionary<string, NpyArray>
        {
            ["images"] = NpyArray.FromFloat32(new float[2 * 16], 2, 4, 4),
            ["labels"] = NpyArray.FromInt64([0, 5], 2),
        });
        var r = Assert.Throws<DataFormatException>(() => NpzSampleSet.Read(dir.File("range.npz"), ["a", "b"]));
        Assert.Contains("label 5 at index 1", r.Message);
    }
}
