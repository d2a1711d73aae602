using System.IO.Compression;

namespace Lineage.Data.Formats;

/// <summary>Reads a whole data file, transparently gunzipping it when it starts with the gzip magic
/// (MNIST-style files come both ways), and turns I/O failures into <see cref="DataFormatException"/>.</summary>
internal static class FileBytes
{
    public static byte[] Read(string path)
    {
        byte[] raw;
        try { raw = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new DataFormatException(path, "file not found"); }
        catch (DirectoryNotFoundException) { throw new DataFormatException(path, "file not found"); }
        return IsGzip(raw) ? Gunzip(path, raw) : raw;
    }

    public static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    static byte[] Gunzip(string path, byte[] raw)
    {
        try
        {
            using var input = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var output = new MemoryStream(raw.Length * 4);
            input.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, "is not a valid gzip stream (truncated or corrupt download?)", e);
        }
        catch (EndOfStreamException e)
        {
            throw new DataFormatException(path, "gzip stream ends early (truncated download?)", e);
        }
    }

    /// <summary>v / 255 for every byte value: exact division (what torchvision's ToTensor gives), at table-lookup speed.</summary>
    static readonly float[] UnitScale = Enumerable.Range(0, 256).Select(v => v / 255f).ToArray();

    /// <summary>Maps 8-bit pixels to [0, 1] floats.</summary>
    public static void ToUnitFloats(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var table = UnitScale;
        for (int i = 0; i < source.Length; i++) destination[i] = table[source[i]];
    }
}
