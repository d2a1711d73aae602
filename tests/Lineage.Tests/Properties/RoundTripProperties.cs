using FsCheck;
using FsCheck.Xunit;
using Lineage.Data.Formats;
using Lineage.Engine;
using Lineage.Engine.IO;

namespace Lineage.Tests.Properties;

/// <summary>What the safetensors and npy writers write, their readers read back bit for bit: every value (NaN payloads,
/// infinities and negative zero included), every shape (zero-sized dimensions included) and every metadata string.</summary>
public sealed class RoundTripProperties : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("lineage-roundtrip-").FullName;

    static int[] Shape(byte[] dims) => dims.Take(4).Select(d => d % 5).ToArray();
    static long Count(int[] shape) => shape.Aggregate(1L, (a, d) => a * d);
    static float[] Floats(int[] bits, long count) =>
        Enumerable.Range(0, (int)count).Select(i => bits.Length == 0 ? i : BitConverter.Int32BitsToSingle(bits[i % bits.Length] ^ i)).ToArray();

    [Property(MaxTest = 100)]
    public bool SafetensorsRoundTripsTensorsAndMetadata(byte[][] shapes, int[] bits, string[] keys, string[] values)
    {
        var tensors = new Dictionary<string, Tensor>();
        for (int t = 0; t < Math.Min(shapes.Length, 6); t++)
        {
            var shape = Shape(shapes[t] ?? []);
            tensors[$"layer{t}.weight"] = Tensor.FromArray(Floats(bits, Count(shape)), shape);
        }
        var metadata = new Dictionary<string, string>();
        for (int i = 0; i < Math.Min(keys.Length, values.Length); i++)
            if (keys[i] is { Length: > 0 } k && values[i] is { } v) metadata[k] = v;
        var path = Path.Combine(dir, "roundtrip.safetensors");
        SafeTensors.Save(path, tensors, metadata);
        var loaded = SafeTensors.Load(path);
        return loaded.Tensors.Count == tensors.Count
            && tensors.All(kv => loaded.Tensors.TryGetValue(kv.Key, out var back) && back.Shape.SequenceEqual(kv.Value.Shape)
                                 && back.ToArray().Select(BitConverter.SingleToInt32Bits).SequenceEqual(kv.Value.ToArray().Select(BitConverter.SingleToInt32Bits)))
            && metadata.All(kv => loaded.Metadata.TryGetValue(kv.Key, out var back) && back == kv.Value)
            && loaded.Metadata.Count == metadata.Count;
    }

    [Property(MaxTest = 100)]
    public bool NpyRoundTripsEveryNumericType(byte[] dims, int[] bits, byte typeSeed)
    {
        var shape = Shape(dims);
        int n = (int)Count(shape);
        var values = Enumerable.Range(0, n).Select(i => bits.Length == 0 ? i : bits[i % bits.Length] * 7919L + i).ToArray();
        var array = (typeSeed % 5) switch
        {
            0 => NpyArray.FromBytes(values.Select(v => (byte)v).ToArray(), shape),
            1 => NpyArray.FromInt32(values.Select(v => (int)v).ToArray(), shape),
            2 => NpyArray.FromInt64(values.Select(v => v * 1_000_003).ToArray(), shape),
            3 => NpyArray.FromFloat32(Floats(bits, n), shape),
            _ => NpyArray.FromFloat64(values.Select(v => BitConverter.Int64BitsToDouble(unchecked(v * (long)0x9E3779B97F4A7C15UL))).ToArray(), shape),
        };
        using var buffer = new MemoryStream();
        NpyFile.Write(buffer, array);
        var back = NpyFile.Parse(buffer.ToArray(), "roundtrip.npy");
        return back.Type == array.Type && back.Shape.SequenceEqual(array.Shape) && SameBits(array.Data, back.Data);
    }

    [Property(MaxTest = 100)]
    public bool NpyRoundTripsStrings(string[] strings)
    {
        var clean = strings.Select(s => (s ?? "").TrimEnd('\0')).ToArray();
        using var buffer = new MemoryStream();
        NpyFile.Write(buffer, NpyArray.FromStrings(clean));
        return NpyFile.Parse(buffer.ToArray(), "strings.npy").ToStrings().SequenceEqual(clean);
    }

    static bool SameBits(Array a, Array b) => (a, b) switch
    {
        (float[] x, float[] y) => x.Select(BitConverter.SingleToInt32Bits).SequenceEqual(y.Select(BitConverter.SingleToInt32Bits)),
        (double[] x, double[] y) => x.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(y.Select(BitConverter.DoubleToInt64Bits)),
        (byte[] x, byte[] y) => x.SequenceEqual(y),
        (int[] x, int[] y) => x.SequenceEqual(y),
        (long[] x, long[] y) => x.SequenceEqual(y),
        _ => false,
    };

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
