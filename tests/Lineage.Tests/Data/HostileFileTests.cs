using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Lineage.Data;
using Lineage.Data.Formats;
using Lineage.Fingerprints;
using Lineage.Models;
using Lineage.Suspects;
using Lineage.Suspects.Remote;

namespace Lineage.Tests.Data;

/// <summary>Forged and hostile inputs from the issue-19 probe: each fails with one exception the CLI maps to
/// exit code 2 and a message naming the file, and no declared length drives a read or an inflate past what
/// the file can hold. The bombs here are small files that declare (or would inflate to) far more.</summary>
public class HostileFileTests
{
    static void WriteGzip(string path, params (byte[] Bytes, int Repeat)[] parts)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        foreach (var (bytes, repeat) in parts)
            for (int i = 0; i < repeat; i++) gzip.Write(bytes);
    }

    static byte[] IdxHeader(params int[] dims)
    {
        var header = new byte[4 + 4 * dims.Length];
        header[2] = 0x08; header[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        return header;
    }

    [Fact]
    public void GzipBombBehindAValidIdxHeaderStopsAtTheDeclaredSize()
    {
        using var dir = new TempDir();
        var path = dir.File("bomb-images-idx3-ubyte.gz");
        // 2 × 28 × 28 declared, then 16 MiB of zeros (the probe used 2 GiB; the check is the same)
        WriteGzip(path, (IdxHeader(2, 28, 28), 1), (new byte[1 << 20], 16));
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("more than the 1568 bytes its header declares", error.Message);
    }

    [Fact]
    public void IdxGzipDeclaringMoreThanItCanInflateToIsRefusedBeforeReading()
    {
        using var dir = new TempDir();
        var path = dir.File("liar-images-idx3-ubyte.gz");
        WriteGzip(path, (IdxHeader(60000, 28, 28), 1), (new byte[784], 1));
        var error = Assert.Throws<DataFormatException>(() => IdxFile.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("cannot inflate to more than", error.Message);
    }

    [Fact]
    public void CifarGzipBombIsCutOffAtTheBound()
    {
        using var dir = new TempDir();
        var path = dir.File("data_batch_1.bin");
        File.WriteAllBytes(path, [0x1f, 0x8b, 0, 0]);   // gzip magic, then nothing valid
        var error = Assert.Throws<DataFormatException>(() => CifarReader.Read([path], 1, 0, Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray(), Preprocessing.Cifar10, new DataOrigin("cifar10", "train", [path])));
        Assert.Contains(path, error.Message);
    }

    static void WriteNpz(string path, byte[] npyPrefix, int zeroMiB)
    {
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        using var entry = zip.CreateEntry("images.npy", CompressionLevel.Fastest).Open();
        entry.Write(npyPrefix);
        var zeros = new byte[1 << 20];
        for (int i = 0; i < zeroMiB; i++) entry.Write(zeros);
    }

    static byte[] NpyOf(NpyArray array)
    {
        using var buffer = new MemoryStream();
        NpyFile.Write(buffer, array);
        return buffer.ToArray();
    }

    [Fact]
    public void NpzEntryThatInflatesPastItsHeaderStops()
    {
        using var dir = new TempDir();
        var path = dir.File("bomb.npz");
        WriteNpz(path, NpyOf(NpyArray.FromFloat32(new float[4], 2, 2)), zeroMiB: 16);
        var error = Assert.Throws<DataFormatException>(() => NpzFile.Read(path));
        Assert.Contains(path + "!images.npy", error.Message);
        Assert.Contains("16 data bytes", error.Message);
    }

    [Fact]
    public void NpzHeaderDeclaringMoreThanTheEntryHoldsIsRefusedBeforeAllocating()
    {
        using var dir = new TempDir();
        var path = dir.File("liar.npz");
        var npy = NpyOf(NpyArray.FromFloat32(new float[4], 2, 2));
        var text = Encoding.Latin1.GetString(npy).Replace("(2, 2)", "(200000, 2000)");
        WriteNpz(path, Encoding.Latin1.GetBytes(text)[..^16], zeroMiB: 0);
        var error = Assert.Throws<DataFormatException>(() => NpzFile.Read(path));
        Assert.Contains(path + "!images.npy", error.Message);
        Assert.Contains("1600000000 data bytes", error.Message);
    }

    [Fact]
    public void NpyVersion2HeaderLengthOfFourGigabytesIsOneClearError()
    {
        using var dir = new TempDir();
        var path = dir.File("huge-header.npy");
        var bytes = new byte[64];
        new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0 }.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 0xFFFFFFFF);
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<DataFormatException>(() => NpyFile.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("4294967295-byte header", error.Message);
    }

    [Fact]
    public void InvalidUtf8InModelAndFingerprintHeadersNamesTheFile()
    {
        using var dir = new TempDir();
        var header = Encoding.UTF8.GetBytes("{\"__metadata__\":{\"lineage.format\":\"ab\"}}");
        int at = Array.IndexOf(header, (byte)'a', 30);
        header[at] = 0xc3; header[at + 1] = 0x28;   // a two-byte lead followed by an ASCII byte
        var bytes = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        foreach (var (name, load) in new (string, Action<string>)[] { ("m.lnm", p => ModelFile.Load(p)), ("fp.safetensors", p => FingerprintFile.Load(p)) })
        {
            var path = dir.File(name);
            File.WriteAllBytes(path, bytes);
            var error = Assert.Throws<InvalidDataException>(() => load(path));
            Assert.Contains(name, error.Message);
            Assert.Contains("UTF-8", error.Message);
        }
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/urandom")]
    public void PathsLinkedToDevicesAreRefused(string device)
    {
        if (!File.Exists(device)) return;   // no such device on this OS
        using var dir = new TempDir();
        string Link(string name) { var p = dir.File(name); File.CreateSymbolicLink(p, device); return p; }
        var model = Link("model.lnm");
        Assert.Contains(model, Assert.Throws<InvalidDataException>(() => ModelFile.Load(model)).Message);
        var onnx = Link("model.onnx");
        Assert.Contains(onnx, Assert.Throws<InvalidDataException>(() => SuspectFactory.Open(onnx, Preprocessing.Shapes28)).Message);
        var npy = Link("x.npy");
        Assert.Contains(npy, Assert.Throws<DataFormatException>(() => NpyFile.Read(npy)).Message);
        var idx = Link("train-images-idx3-ubyte");
        Assert.Contains(idx, Assert.Throws<DataFormatException>(() => IdxFile.Read(idx)).Message);
    }

    [Fact]
    public void ServeOnAPortInUseIsOneClearError()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((IPEndPoint)taken.LocalEndpoint).Port;
            var error = Assert.Throws<IOException>(() => new InferenceServer(x => x, 2, Preprocessing.Identity(1, 1, 2), new InferenceServerOptions { Port = port }));
            Assert.Contains($"127.0.0.1:{port}", error.Message);
        }
        finally { taken.Stop(); }
    }
}
