using System.Buffers.Binary;
using System.IO.Compression;

namespace Lineage.Data.Formats;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST: magic 0x0000 0x08 (unsigned byte) and a rank byte,
/// then one big-endian int32 per dimension, then the bytes in row-major order. Files may be gzipped.
/// Only the unsigned-byte type is used by any dataset we read.
/// </summary>
public static class IdxFile
{
    const byte UnsignedByteType = 0x08;

    /// <summary>Reads the header, then exactly the bytes it declares — checked against the file's size (or, for
    /// a .gz, against what the compressed size can inflate to) before anything is allocated — and stops at the
    /// first byte past them, so a gzip bomb behind a valid header is refused without being inflated.</summary>
    public static (int[] Dims, byte[] Data) Read(string path)
    {
        using var source = FileBytes.Open(path);
        Span<byte> head = stackalloc byte[4 + 4 * 255];
        int got = source.ReadUpTo(head[..4]);
        if (got < 4)
            throw new DataFormatException(path, $"is {got} bytes long, too short for an IDX header");
        if (head[0] != 0 || head[1] != 0)
            throw new DataFormatException(path, $"wrong magic number 0x{head[0]:x2}{head[1]:x2}{head[2]:x2}{head[3]:x2}: an IDX file starts with 0x0000 then its type and rank (e.g. 0x00000803 for images, 0x00000801 for labels)");
        if (head[2] != UnsignedByteType)
            throw new DataFormatException(path, $"IDX element type 0x{head[2]:x2} is not supported; expected 0x08 (unsigned byte)");
        int rank = head[3];
        if (rank == 0) throw new DataFormatException(path, "IDX rank is 0; expected at least one dimension");
        int header = 4 + 4 * rank;
        got += source.ReadUpTo(head[4..header]);
        if (got < header)
            throw new DataFormatException(path, $"is {got} bytes long, too short for an IDX header of rank {rank} ({header} bytes)");
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(head[(4 + 4 * i)..]);
            if (dims[i] < 0) throw new DataFormatException(path, $"IDX dimension {i} is negative ({dims[i]})");
            // int32 dimensions multiply past long only after 2^63; stop at anything no array can hold
            count = Math.Min(count * dims[i], long.MaxValue / int.MaxValue);
        }
        string declared = $"{string.Join(" x ", dims)} = {count} bytes of data";
        if (!source.Gzip && source.FileLength - header != count)
            throw new DataFormatException(path, $"header declares {declared} but the file holds {source.FileLength - header} (truncated or corrupt?)");
        var data = source.ReadExactly(count, $"{string.Join(" x ", dims)} data");
        source.ExpectEnd(count);
        return (dims, data);
    }

    /// <summary>Writes an unsigned-byte IDX file (gzipped when <paramref name="gzip"/>), the way
    /// the MNIST distribution files are laid out.</summary>
    public static void Write(string path, ReadOnlySpan<int> dims, ReadOnlySpan<byte> data, bool gzip = false)
    {
        long count = 1;
        foreach (var d in dims) count *= d;
        if (count != data.Length) throw new ArgumentException($"dims {string.Join(" x ", dims.ToArray())} need {count} bytes, got {data.Length}");
        var header = new byte[4 + 4 * dims.Length];
        header[2] = UnsignedByteType;
        header[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        using var file = File.Create(path);
        using Stream output = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        output.Write(header);
        output.Write(data);
    }
}
