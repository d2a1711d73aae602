using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Lineage.Cli.Tests;

/// <summary>Small forged files of the kinds the issue-19 probe used. Each declares (or inflates to) far more than it
/// holds, so the bound is what is tested, not the machine's memory.</summary>
static class HostileInputs
{
    static byte[] IdxHeader(params int[] dims)
    {
        var header = new byte[4 + 4 * dims.Length];
        header[2] = 0x08; header[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        return header;
    }

    /// <summary>A folder MNIST would be found in, whose training images are a gzip of a 10-image header followed by 16 MiB of zeros.</summary>
    public static void MnistWithGzipBomb(string dir)
    {
        Directory.CreateDirectory(dir);
        using (var file = File.Create(Path.Combine(dir, "train-images-idx3-ubyte.gz")))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            gzip.Write(IdxHeader(10, 28, 28));
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 16; i++) gzip.Write(zeros);
        }
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), [.. IdxHeader(10), .. new byte[10]]);
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), [.. IdxHeader(10, 28, 28), .. new byte[7840]]);
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), [.. IdxHeader(10), .. new byte[10]]);
    }

    static byte[] NpyHeader(string dict)
    {
        var text = dict.PadRight(64 - 10 - 1) + "\n";
        var bytes = new byte[10 + text.Length];
        new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)text.Length);
        Encoding.ASCII.GetBytes(text).CopyTo(bytes, 10);
        return bytes;
    }

    /// <summary>An npz whose images.npy declares a 2×2 float32 array and then inflates 16 MiB of zeros.</summary>
    public static void NpzBomb(string path)
    {
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        using var entry = zip.CreateEntry("images.npy", CompressionLevel.Fastest).Open();
        entry.Write(NpyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"));
        var zeros = new byte[1 << 20];
        for (int i = 0; i < 16; i++) entry.Write(zeros);
    }

    /// <summary>An npz whose images.npy is version 2 with a header length of 0xFFFFFFFF.</summary>
    public static void NpzWithHugeNpyHeader(string path)
    {
        var npy = new byte[64];
        new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0 }.CopyTo(npy, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(npy.AsSpan(8), 0xFFFFFFFF);
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        using var entry = zip.CreateEntry("images.npy").Open();
        entry.Write(npy);
    }

    /// <summary>A safetensors file whose JSON header holds a two-byte UTF-8 lead followed by an ASCII byte.</summary>
    public static void SafetensorsWithInvalidUtf8(string path)
    {
        var header = "{\"__metadata__\":{\"lineage.format\":\"a?(b\"}}"u8.ToArray();
        header[Array.IndexOf(header, (byte)'?')] = 0xc3;
        var bytes = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>An ONNX model (opset 13) whose graph takes x[1,1,28,28] through one Relu and declares no outputs.</summary>
    public static void OnnxWithoutOutputs(string path)
    {
        static byte[] Varint(ulong v) { var o = new List<byte>(); do { byte b = (byte)(v & 0x7f); v >>= 7; o.Add(v != 0 ? (byte)(b | 0x80) : b); } while (v != 0); return [.. o]; }
        static byte[] Int(int field, ulong v) => [.. Varint((ulong)(field << 3)), .. Varint(v)];
        static byte[] Bytes(int field, byte[] payload) => [.. Varint((ulong)(field << 3 | 2)), .. Varint((ulong)payload.Length), .. payload];
        static byte[] Str(int field, string s) => Bytes(field, Encoding.UTF8.GetBytes(s));
        static byte[] Dim(ulong v) => Bytes(1, Int(1, v));
        var shape = Bytes(2, [.. Dim(1), .. Dim(1), .. Dim(28), .. Dim(28)]);                   // TensorShapeProto
        var type = Bytes(1, [.. Int(1, 1), .. shape]);                                            // TypeProto.tensor_type, FLOAT
        var input = Bytes(11, [.. Str(1, "x"), .. Bytes(2, type)]);                               // GraphProto.input
        var node = Bytes(1, [.. Str(1, "x"), .. Str(2, "y"), .. Str(4, "Relu")]);                  // GraphProto.node
        byte[] model = [.. Int(1, 8), .. Bytes(7, [.. node, .. Str(2, "g"), .. input]), .. Bytes(8, Int(2, 13))];
        File.WriteAllBytes(path, model);
    }
}
