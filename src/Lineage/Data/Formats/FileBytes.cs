using System.IO.Compression;
using Lineage.Engine.IO;

namespace Lineage.Data.Formats;

/// <summary>Reads data files — transparently gunzipping those that start with the gzip magic (MNIST-style
/// files come both ways) — without ever inflating more than a bound known before reading: what the format's
/// header declares, or what the caller allows. Every failure becomes a <see cref="DataFormatException"/>
/// naming the file.</summary>
internal static class FileBytes
{
    /// <summary>zlib's bound: deflate cannot expand a byte of input into more than 1032 bytes of output, so a
    /// gzip file that declares more than 1032 × its size is lying, whatever it holds.</summary>
    public const long MaxGzipRatio = 1032;

    /// <summary>A data file opened for streaming: <see cref="Stream"/> yields the decompressed bytes;
    /// <see cref="MaxBytes"/> bounds how many it can honestly yield (the file's size, or the deflate bound).</summary>
    public sealed class Source(string path, Stream stream, bool gzip, long fileLength) : IDisposable
    {
        public string Path => path;
        public Stream Stream => stream;
        public bool Gzip => gzip;
        public long FileLength => fileLength;
        public long MaxBytes => gzip ? Math.Min(fileLength * MaxGzipRatio, long.MaxValue / 2) : fileLength;

        /// <summary>Reads up to <paramref name="buffer"/>'s length; returns how many bytes came.</summary>
        public int ReadUpTo(Span<byte> buffer)
        {
            try { return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false); }
            catch (InvalidDataException e) { throw new DataFormatException(path, "is not a valid gzip stream (truncated or corrupt download?)", e); }
            catch (EndOfStreamException e) { throw new DataFormatException(path, "gzip stream ends early (truncated download?)", e); }
        }

        /// <summary>Reads exactly <paramref name="count"/> bytes, which the caller has checked against
        /// <see cref="MaxBytes"/>; <paramref name="what"/> describes them when the file ends early.</summary>
        public byte[] ReadExactly(long count, string what)
        {
            if (count > Array.MaxLength) throw new DataFormatException(path, $"declares {what} of {count} bytes, more than one array can hold");
            if (count > MaxBytes)
                throw new DataFormatException(path, gzip
                    ? $"declares {what} of {count} bytes, but a {fileLength}-byte gzip file cannot inflate to more than {MaxBytes}"
                    : $"declares {what} of {count} bytes but the file is only {fileLength} bytes long (truncated?)");
            var data = new byte[count];
            int read = ReadUpTo(data);
            if (read < count) throw new DataFormatException(path, $"declares {what} of {count} bytes but the file holds {read} (truncated or corrupt?)");
            return data;
        }

        /// <summary>The data must end where the header says: one more byte means the header lies (or the file
        /// is a decompression bomb), and reading stops here rather than inflating the rest.</summary>
        public void ExpectEnd(long declared)
        {
            Span<byte> one = stackalloc byte[1];
            if (ReadUpTo(one) != 0)
                throw new DataFormatException(path, $"holds more than the {declared} bytes its header declares (corrupt, or a decompression bomb)");
        }

        public void Dispose() => stream.Dispose();
    }

    /// <summary>Opens a regular file, gunzipping on the fly when it starts with the gzip magic.</summary>
    public static Source Open(string path)
    {
        FileStream file;
        try { file = RegularFile.Open(path, 1 << 16); }
        catch (FileNotFoundException) { throw new DataFormatException(path, "file not found"); }
        catch (DirectoryNotFoundException) { throw new DataFormatException(path, "file not found"); }
        catch (InvalidDataException e) { throw new DataFormatException(path, "is not a regular file (a device, pipe or growing file); expected a data file of fixed size", e); }
        Span<byte> magic = stackalloc byte[2];
        int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        bool gzip = IsGzip(magic[..n]);
        return new Source(path, gzip ? new GZipStream(file, CompressionMode.Decompress) : file, gzip, file.Length);
    }

    /// <summary>Reads a whole data file (gunzipped), refusing one that inflates past <paramref name="maxBytes"/>
    /// (or the deflate bound) while it streams, before the excess is buffered.</summary>
    public static byte[] Read(string path, long maxBytes = long.MaxValue)
    {
        using var source = Open(path);
        if (!source.Gzip)
        {
            if (source.FileLength > Math.Min(maxBytes, Array.MaxLength))
                throw new DataFormatException(path, $"is {source.FileLength} bytes, over the {Math.Min(maxBytes, Array.MaxLength)}-byte limit for this kind of file");
            return source.ReadExactly(source.FileLength, "its contents");
        }
        long limit = Math.Min(Math.Min(maxBytes, source.MaxBytes), Array.MaxLength);
        using var output = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = source.ReadUpTo(chunk)) > 0)
        {
            if (output.Length + read > limit)
                throw new DataFormatException(path, $"inflates to more than {limit} bytes, the most this kind of file may hold (corrupt, or a decompression bomb)");
            output.Write(chunk, 0, read);
        }
        return output.ToArray();
    }

    public static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    /// <summary>v / 255 for every byte value: exact division (what torchvision's ToTensor gives), at table-lookup speed.</summary>
    static readonly float[] UnitScale = Enumerable.Range(0, 256).Select(v => v / 255f).ToArray();

    /// <summary>Maps 8-bit pixels to [0, 1] floats.</summary>
    public static void ToUnitFloats(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var table = UnitScale;
        for (int i = 0; i < source.Length; i++) destination[i] = table[source[i]];
    }
}
