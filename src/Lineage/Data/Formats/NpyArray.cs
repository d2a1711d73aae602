using System.Runtime.InteropServices;

namespace Lineage.Data.Formats;

/// <summary>The element types Lineage reads and writes in .npy files (little-endian).</summary>
public enum NpyType { UInt8, Int32, Int64, Float32, Float64, Unicode }

/// <summary>An n-d array as stored in a NumPy .npy file: a dtype, a C-order shape and the elements.
/// <see cref="Data"/> is a byte[], int[], long[], float[], double[] or string[] matching <see cref="Type"/>
/// (Unicode is NumPy's fixed-width '&lt;U<i>n</i>' strings, used for class names).</summary>
public sealed class NpyArray
{
    public NpyType Type { get; }
    public int[] Shape { get; }
    public Array Data { get; }
    public long Length => Data.LongLength;
    /// <summary>Characters per string for <see cref="NpyType.Unicode"/>; 0 otherwise.</summary>
    public int StringWidth { get; }

    NpyArray(NpyType type, int[] shape, Array data, int stringWidth = 0)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension in shape ({string.Join(", ", shape)})");
            count *= d;
        }
        if (count != data.LongLength) throw new ArgumentException($"shape ({string.Join(", ", shape)}) needs {count} elements, got {data.LongLength}");
        Type = type; Shape = (int[])shape.Clone(); Data = data; StringWidth = stringWidth;
    }

    /// <summary>The NumPy dtype string ('|u1', '&lt;f4', '&lt;U12', ...).</summary>
    public string Descr => DescrOf(Type, StringWidth);

    public static NpyArray FromBytes(byte[] data, params int[] shape) => new(NpyType.UInt8, shape, data);
    public static NpyArray FromInt32(int[] data, params int[] shape) => new(NpyType.Int32, shape, data);
    public static NpyArray FromInt64(long[] data, params int[] shape) => new(NpyType.Int64, shape, data);
    public static NpyArray FromFloat32(float[] data, params int[] shape) => new(NpyType.Float32, shape, data);
    public static NpyArray FromFloat64(double[] data, params int[] shape) => new(NpyType.Float64, shape, data);
    public static NpyArray FromStrings(string[] data) => new(NpyType.Unicode, [data.Length], data, Math.Max(1, data.Select(d => d.EnumerateRunes().Count()).DefaultIfEmpty(0).Max()));

    internal static NpyArray FromRaw(NpyType type, int[] shape, ReadOnlySpan<byte> raw, int stringWidth) => type switch
    {
        NpyType.Unicode => new(type, shape, DecodeStrings(raw, stringWidth), stringWidth),
        NpyType.UInt8 => new(type, shape, raw.ToArray()),
        NpyType.Int32 => new(type, shape, MemoryMarshal.Cast<byte, int>(raw).ToArray()),
        NpyType.Int64 => new(type, shape, MemoryMarshal.Cast<byte, long>(raw).ToArray()),
        NpyType.Float32 => new(type, shape, MemoryMarshal.Cast<byte, float>(raw).ToArray()),
        NpyType.Float64 => new(type, shape, MemoryMarshal.Cast<byte, double>(raw).ToArray()),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    internal ReadOnlySpan<byte> RawBytes() => Data switch
    {
        byte[] b => b,
        int[] i => MemoryMarshal.AsBytes(i.AsSpan()),
        long[] l => MemoryMarshal.AsBytes(l.AsSpan()),
        float[] f => MemoryMarshal.AsBytes(f.AsSpan()),
        double[] d => MemoryMarshal.AsBytes(d.AsSpan()),
        string[] t => EncodeStrings(t, StringWidth),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>NumPy stores '&lt;Un' as n UTF-32LE code points per element, NUL-padded.</summary>
    static string[] DecodeStrings(ReadOnlySpan<byte> raw, int width)
    {
        var result = new string[raw.Length / (4 * width)];
        for (int i = 0; i < result.Length; i++)
            result[i] = System.Text.Encoding.UTF32.GetString(raw.Slice(i * 4 * width, 4 * width)).TrimEnd('\0');
        return result;
    }

    static byte[] EncodeStrings(string[] items, int width)
    {
        var bytes = new byte[items.Length * 4 * width];
        for (int i = 0; i < items.Length; i++)
            System.Text.Encoding.UTF32.GetBytes(items[i], bytes.AsSpan(i * 4 * width, 4 * width));
        return bytes;
    }

    public static int ItemSize(NpyType type, int stringWidth = 0) => type switch
    {
        NpyType.UInt8 => 1,
        NpyType.Unicode => 4 * stringWidth,
        NpyType.Int32 or NpyType.Float32 => 4,
        _ => 8,
    };

    internal static string DescrOf(NpyType type, int stringWidth) => type switch
    {
        NpyType.Unicode => $"<U{stringWidth}",
        NpyType.UInt8 => "|u1",
        NpyType.Int32 => "<i4",
        NpyType.Int64 => "<i8",
        NpyType.Float32 => "<f4",
        NpyType.Float64 => "<f8",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The elements as floats; uint8 pixels are scaled to [0, 1] when <paramref name="scaleBytes"/>.</summary>
    public float[] ToFloat32(bool scaleBytes = true)
    {
        switch (Data)
        {
            case float[] f: return (float[])f.Clone();
            case byte[] b:
                var result = new float[b.Length];
                if (scaleBytes) FileBytes.ToUnitFloats(b, result);
                else for (int i = 0; i < b.Length; i++) result[i] = b[i];
                return result;
            case double[] d: return Array.ConvertAll(d, v => (float)v);
            case int[] i: return Array.ConvertAll(i, v => (float)v);
            case long[] l: return Array.ConvertAll(l, v => (float)v);
            default: throw new InvalidOperationException();
        }
    }

    /// <summary>The elements as ints (labels); fails on fractional or out-of-range values.</summary>
    public int[] ToInt32()
    {
        switch (Data)
        {
            case int[] i: return (int[])i.Clone();
            case byte[] b: return Array.ConvertAll(b, v => (int)v);
            case long[] l: return Array.ConvertAll(l, v => v is >= int.MinValue and <= int.MaxValue ? (int)v : throw new OverflowException($"value {v} does not fit an int"));
            case float[] f: return Array.ConvertAll(f, v => v == MathF.Round(v) ? (int)v : throw new FormatException($"value {v} is not an integer"));
            case double[] d: return Array.ConvertAll(d, v => v == Math.Round(v) ? (int)v : throw new FormatException($"value {v} is not an integer"));
            default: throw new InvalidOperationException();
        }
    }

    /// <summary>The elements as strings (Unicode arrays only).</summary>
    public string[] ToStrings() => Data as string[] ?? throw new InvalidOperationException($"a {Descr} array does not hold strings");

    public override string ToString() => $"{Descr} ({string.Join(", ", Shape)})";
}
