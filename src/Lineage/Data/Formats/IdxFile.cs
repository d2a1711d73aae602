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

    public static (int[] Dims, byte[] Data) Read(string path)
    {
        var bytes = FileBytes.Read(path);
        if (bytes.Length < 4)
            throw new DataFormatException(path, $"is {bytes.Length} bytes long, too short for an IDX header");
        if (bytes[0] != 0 || bytes[1] != 0)
            throw new DataFormatException(path, $"wrong magic number 0x{bytes[0]:x2}{bytes[1]:x2}{bytes[2]:x2}{bytes[3]:x2}: an IDX file starts with 0x0000 then its type and rank (e.g. 0x00000803 for images, 0x00000801 for labels)");
        if (bytes[2] != UnsignedByteType)
            throw new DataFormatException(path, $"IDX element type 0x{bytes[2]:x2} is not supported; expected 0x08 (unsigned byte)");
        int rank = bytes[3];
        if (rank == 0) throw new DataFormatException(path, "IDX rank is 0; expected at least one dimension");
        int header = 4 + 4 * rank;
        if (bytes.Length < header)
            throw new DataFormatException(path, $"is {bytes.Length} bytes long, too short for an IDX header of rank {rank} ({header} bytes)");
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (dims[i] < 0) throw new DataFormatException(path, $"IDX dimension {i} is negative ({dims[i]})");
            count *= dims[i];
        }
        long actual = bytes.Length - header;
        if (actual != count)
            throw new DataFormatException(path, $"header declares {string.Join(" x ", dims)} = {count} bytes of data but the file holds {actual} (truncated or corrupt?)");
        return (dims, bytes.AsSpan(header).ToArray());
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
