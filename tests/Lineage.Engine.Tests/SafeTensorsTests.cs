using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Lineage.Engine;
using Lineage.Engine.IO;
using Lineage.Engine.Nn;

namespace Lineage.Engine.Tests;

public sealed class SafeTensorsTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("lineage-st-").FullName;
    public void Dispose() => Directory.Delete(dir, recursive: true);

    string PathFor(string name) => Path.Combine(dir, name);

    /// <summary>A file from a raw header (not padded) and data section.</summary>
    string Raw(string name, string header, byte[] data, ulong? headerLenOverride = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLenOverride ?? (ulong)h.Length);
        h.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + h.Length);
        var p = PathFor(name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    static void AssertFails(string path, params string[] mustMention)
    {
        var ex = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains(Path.GetFileName(path), ex.Message);
        foreach (var m in mustMention) Assert.Contains(m, ex.Message);
    }

    [Fact]
    public void RoundTripKeepsValuesMetadataAndSortedLayout()
    {
        var tensors = new Dictionary<string, Tensor>
        {
            ["z.weight"] = Tensor.FromArray([1.5f, -2f, 3.25f, float.MaxValue, -0f, 1e-30f], 2, 3),
            ["a.bias"] = Tensor.FromArray([7f], 1),
            ["m.count"] = Tensor.FromArray([12345678f], []),
            ["empty"] = Tensor.Persistent(0, 4),
        };
        var path = PathFor("model.safetensors");
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["epoch"] = "3", ["format"] = "pt" }, new HashSet<string> { "m.count" });

        var bytes = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        // metadata first, then I64 before F32, names sorted within a dtype (the Rust library's layout)
        Assert.Equal(["__metadata__", "m.count", "a.bias", "empty", "z.weight"], header.RootElement.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));

        var loaded = SafeTensors.Load(path);
        Assert.Equal("3", loaded.Metadata["epoch"]);
        Assert.Equal("I64", loaded.DTypes["m.count"]);
        Assert.Equal("F32", loaded.DTypes["z.weight"]);
        foreach (var (name, t) in tensors)
        {
            Assert.Equal(t.Shape, loaded.Tensors[name].Shape);
            Assert.Equal(t.ToArray(), loaded.Tensors[name].ToArray());
        }
    }

    [Fact]
    public void SaveReplacesAnExistingFile()
    {
        var path = PathFor("x.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a"] = Tensor.FromArray([1f], 1) });
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["b"] = Tensor.FromArray([2f, 3f], 2) });
        var loaded = SafeTensors.Load(path);
        Assert.Equal(["b"], loaded.Tensors.Keys.ToArray());
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void NonIntegerValueMarkedI64IsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            SafeTensors.Save(PathFor("bad.safetensors"), new Dictionary<string, Tensor> { ["n"] = Tensor.FromArray([1.5f], 1) }, null, new HashSet<string> { "n" }));
        Assert.Contains("'n'", ex.Message);
        Assert.False(File.Exists(PathFor("bad.safetensors")));
    }

    [Fact]
    public void ReadsTheFileWrittenFromPython()
    {
        var expected = Fixture.Load("torch_layout.safetensors.json");
        var loaded = SafeTensors.Load(Fixture.PathOf("torch_layout.safetensors"));
        // the fixture's expectations cover every tensor of the file (14), so a shrunken fixture cannot pass by checking less
        Assert.Equal(14, expected.GetProperty("tensors").EnumerateObject().Count());
        Assert.Equal(loaded.Tensors.Count, expected.GetProperty("tensors").EnumerateObject().Count());
        foreach (var m in expected.GetProperty("metadata").EnumerateObject()) Assert.Equal(m.Value.GetString(), loaded.Metadata[m.Name]);
        foreach (var d in expected.GetProperty("dtypes").EnumerateObject()) Assert.Equal(d.Value.GetString(), loaded.DTypes[d.Name]);
        foreach (var e in expected.GetProperty("tensors").EnumerateObject())
            Fixture.AssertClose(e.Value, loaded.Tensors[e.Name], e.Name, atol: 0, rtol: 1e-7);
        Assert.Equal("I64", loaded.DTypes["1.num_batches_tracked"]);
        Assert.Equal(2f, loaded.Tensors["1.num_batches_tracked"].Item());
    }

    [Fact]
    public void PyTorchStateDictLoadsIntoTheSameModelAndSavesBack()
    {
        var model = new Sequential(new Linear(3, 4, new Generator(1)), new BatchNorm1d(4), new ReLU(), new Linear(4, 2, new Generator(2)));
        var loaded = SafeTensors.Load(Fixture.PathOf("torch_layout.safetensors"));
        model.LoadStateDict(loaded.Tensors.Where(kv => !kv.Key.StartsWith("extra.")).ToDictionary(kv => kv.Key, kv => kv.Value));
        var bn = (BatchNorm1d)model[1];
        Assert.Equal(2f, bn.NumBatchesTracked!.Item());
        Assert.Equal(loaded.Tensors["1.running_var"].ToArray(), bn.RunningVar!.ToArray());

        var path = PathFor("resaved.safetensors");
        model.SaveSafeTensors(path, new Dictionary<string, string> { ["format"] = "pt" });
        var copy = new Sequential(new Linear(3, 4, new Generator(3)), new BatchNorm1d(4), new ReLU(), new Linear(4, 2, new Generator(4)));
        var meta = copy.LoadSafeTensors(path);
        Assert.Equal("pt", meta["format"]);
        Assert.Equal("I64", SafeTensors.Load(path).DTypes["1.num_batches_tracked"]);
        foreach (var (name, t) in model.StateDict()) Assert.Equal(t.ToArray(), copy.StateDict()[name].ToArray());
    }

    [Fact]
    public void TruncatedFileNamesTheTensor()
    {
        var path = PathFor("cut.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a"] = Tensor.FromArray([1f, 2f], 2), ["b"] = Tensor.FromArray([3f, 4f, 5f], 3) });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);
        AssertFails(path, "'b'", "truncated");
    }

    [Fact]
    public void TooShortForHeaderLength()
    {
        var p = PathFor("tiny.safetensors");
        File.WriteAllBytes(p, [1, 2, 3]);
        AssertFails(p, "too short");
    }

    [Fact]
    public void HeaderLengthBeyondFile() => AssertFails(Raw("long.safetensors", "{}", [], headerLenOverride: 1_000_000), "header length 1000000", "runs past");

    [Fact]
    public void BadJson() => AssertFails(Raw("json.safetensors", "{\"a\": {\"dtype\": \"F32\",", []), "not valid JSON");

    [Fact]
    public void HeaderNotAnObject() => AssertFails(Raw("arr.safetensors", "[1, 2]", []), "JSON object");

    [Fact]
    public void OverlappingOffsets() =>
        AssertFails(Raw("overlap.safetensors",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
            new byte[16]), "'b'", "overlap", "'a'");

    [Fact]
    public void OffsetsOutOfRange() =>
        AssertFails(Raw("range.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8]), "'w'", "run past");

    [Fact]
    public void GapBetweenTensors() =>
        AssertFails(Raw("gap.safetensors",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
            new byte[12]), "'b'", "gap");

    [Fact]
    public void TrailingBytes() =>
        AssertFails(Raw("trail.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[9]), "'a'", "trailing");

    [Fact]
    public void UnknownDType() =>
        AssertFails(Raw("dtype.safetensors", "{\"q\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,1]}}", new byte[1]), "'q'", "Q4");

    [Fact]
    public void ShapeDisagreesWithLength() =>
        AssertFails(Raw("shape.safetensors", "{\"s\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]), "'s'", "needs 12");

    [Fact]
    public void DTypeDisagreesWithLength() =>
        AssertFails(Raw("len.safetensors", "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]), "'d'", "F64", "needs 16");

    [Fact]
    public void NegativeShape() =>
        AssertFails(Raw("neg.safetensors", "{\"n\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]), "'n'", "shape");

    [Fact]
    public void OffsetsReversed() =>
        AssertFails(Raw("rev.safetensors", "{\"r\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", new byte[4]), "'r'", "end before");

    [Fact]
    public void InvalidUtf8InTheHeaderIsOneClearError()
    {
        // a metadata value with bytes that are not UTF-8: System.Text.Json would throw InvalidOperationException on reading it
        var header = Encoding.UTF8.GetBytes("{\"__metadata__\":{\"k\":\"ab\"}}");
        int at = Array.IndexOf(header, (byte)'a', 20);
        header[at] = 0xff; header[at + 1] = 0xfe;
        var bytes = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        var path = PathFor("utf8.safetensors");
        File.WriteAllBytes(path, bytes);
        AssertFails(path, "not valid UTF-8");
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/urandom")]
    public void PathToADeviceIsRefusedNotReadForever(string device)
    {
        if (!File.Exists(device)) return;   // not a Unix machine: there is no such device to link to
        var link = PathFor("model.safetensors");
        File.CreateSymbolicLink(link, device);
        AssertFails(link, "not a regular file");
        Assert.Contains(link, Assert.Throws<InvalidDataException>(() => RegularFile.ReadAll(link)).Message);
    }

    [Fact]
    public void MissingOffsets() =>
        AssertFails(Raw("noff.safetensors", "{\"m\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]), "'m'", "data_offsets");
}
