using System.Text;
using Lineage.Data;
using Lineage.Data.Formats;

namespace Lineage.Tests.Data;

public class NetpbmTests
{
    [Fact]
    public void BinaryPgmAndPpmRoundTrip()
    {
        using var dir = new TempDir();
        var gray = Enumerable.Range(0, 12).Select(i => i / 11f).ToArray();
        var rgb = Enumerable.Range(0, 3 * 6).Select(i => (i * 15) / 255f).ToArray();
        NetpbmFile.Write(dir.File("g.pgm"), gray, 1, 3, 4);
        NetpbmFile.Write(dir.File("c.ppm"), rgb, 3, 2, 3);
        var (g, gc, gh, gw) = NetpbmFile.Read(dir.File("g.pgm"));
        var (c, cc, ch, cw) = NetpbmFile.Read(dir.File("c.ppm"));
        Assert.Equal((1, 3, 4), (gc, gh, gw));
        Assert.Equal((3, 2, 3), (cc, ch, cw));
        for (int i = 0; i < gray.Length; i++) Assert.Equal(gray[i], g[i], 2);
        Assert.Equal(rgb, c.Select(v => MathF.Round(v * 255) / 255f).ToArray());
    }

    [Fact]
    public void AsciiPgmWithCommentReads()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("a.pgm"), "P2\n# made by hand\n2 2\n15\n0 15\n5 10\n");
        var (p, c, h, w) = NetpbmFile.Read(dir.File("a.pgm"));
        Assert.Equal((1, 2, 2), (c, h, w));
        Assert.Equal(new[] { 0f, 1f, 5 / 15f, 10 / 15f }, p);
    }

    [Fact]
    public void FolderOfClassesBecomesADataset()
    {
        using var dir = new TempDir();
        foreach (var (cls, k) in new[] { ("cat", 0), ("dog", 1) })
        {
            var sub = Directory.CreateDirectory(Path.Combine(dir.Path, cls)).FullName;
            for (int i = 0; i < 2 + k; i++) NetpbmFile.Write(Path.Combine(sub, $"{i}.pgm"), Enumerable.Repeat(k * 0.5f, 4).ToArray(), 1, 2, 2);
        }
        var ds = NetpbmFolder.Read(dir.Path);
        Assert.Equal(["cat", "dog"], ds.ClassNames);
        Assert.Equal(new[] { 0, 0, 1, 1, 1 }, ds.Labels);
        Assert.Equal(0.5f, ds.Image(4)[0], 2);
    }

    [Fact]
    public void TruncatedPpmAndMixedSizesFail()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("t.ppm"), Encoding.ASCII.GetBytes("P6\n4 4\n255\n").Concat(new byte[40]).ToArray());
        var e = Assert.Throws<DataFormatException>(() => NetpbmFile.Read(dir.File("t.ppm")));
        Assert.Contains("expected 48", e.Message);

        var sub = Directory.CreateDirectory(Path.Combine(dir.Path, "folder", "a")).FullName;
        NetpbmFile.Write(Path.Combine(sub, "1.pgm"), new float[4], 1, 2, 2);
        NetpbmFile.Write(Path.Combine(sub, "2.pgm"), new float[9], 1, 3, 3);
        var m = Assert.Throws<DataFormatException>(() => NetpbmFolder.Read(Path.Combine(dir.Path, "folder")));
        Assert.Contains("2.pgm", m.Message);
    }
}
