using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Lineage.Data.Formats;

/// <summary>
/// NumPy's .npy format (versions 1-3): magic "\x93NUMPY", version, header length (uint16 in v1,
/// uint32 in v2/v3), a Python dict literal {'descr', 'fortran_order', 'shape'} padded so the data
/// starts on a 64-byte boundary, then the raw elements in C order. The exchange format with Python
/// users for sample sets and fingerprint queries.
/// </summary>
public static partial class NpyFile
{
    static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static NpyArray Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new DataFormatException(path, "file not found"); }
        return Parse(bytes, path);
    }

    public static NpyArray Read(Stream stream, string name)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Parse(buffer.ToArray(), name);
    }

    /// <param name="name">Names the data in error messages (file path, or archive!entry).</param>
    public static NpyArray Parse(byte[] bytes, string name)
    {
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new DataFormatException(name, "is not a .npy file: expected the magic string \\x93NUMPY at its start");
        int major = bytes[6];
        int headerLength, headerStart;
        if (major == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); headerStart = 10; }
        else if (major is 2 or 3)
        {
            if (bytes.Length < 12) throw new DataFormatException(name, "is too short for a .npy v2 header");
            headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
            headerStart = 12;
        }
        else throw new DataFormatException(name, $".npy format version {major}.{bytes[7]} is not supported; expected 1.0, 2.0 or 3.0");
        if (headerStart + (long)headerLength > bytes.Length)
            throw new DataFormatException(name, $"declares a {headerLength}-byte header but the file has only {bytes.Length - headerStart} bytes after the preamble (truncated?)");
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes, headerStart, headerLength);
        var (type, width, fortran, shape) = ParseHeader(header, name);
        if (fortran && shape.Count(d => d > 1) > 1)
            throw new DataFormatException(name, "stores its array in Fortran order; expected C order (save with np.ascontiguousarray)");
        long count = 1;
        foreach (var d in shape) count *= d;
        long dataBytes = count * NpyArray.ItemSize(type, width);
        long available = bytes.Length - headerStart - headerLength;
        if (available != dataBytes)
            throw new DataFormatException(name, $"header declares shape ({string.Join(", ", shape)}) of {NpyArray.DescrOf(type, width)} = {dataBytes} data bytes but the file holds {available}");
        if (dataBytes > Array.MaxLength)
            throw new DataFormatException(name, $"holds {dataBytes} bytes, more than one array can take");
        return NpyArray.FromRaw(type, shape, bytes.AsSpan(headerStart + headerLength, (int)dataBytes), width);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'(?<descr>[^']*)'")]
    private static partial Regex DescrPattern();
    [GeneratedRegex(@"'fortran_order'\s*:\s*(?<fortran>True|False)")]
    private static partial Regex FortranPattern();
    [GeneratedRegex(@"'shape'\s*:\s*\((?<shape>[^)]*)\)")]
    private static partial Regex ShapePattern();

    [GeneratedRegex(@"^[<|=]U(?<width>\d+)$")]
    private static partial Regex UnicodePattern();

    static (NpyType Type, int StringWidth, bool Fortran, int[] Shape) ParseHeader(string header, string name)
    {
        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!header.TrimStart().StartsWith('{') || !descr.Success || !fortran.Success || !shape.Success)
            throw new DataFormatException(name, $"has a malformed .npy header {header.Trim()}; expected a dict with 'descr', 'fortran_order' and 'shape'");
        var unicode = UnicodePattern().Match(descr.Groups["descr"].Value);
        int width = unicode.Success && int.TryParse(unicode.Groups["width"].Value, out int w) && w > 0 ? w : 0;
        var type = descr.Groups["descr"].Value switch
        {
            _ when width > 0 => NpyType.Unicode,
            "|u1" or "<u1" or "=u1" or "u1" => NpyType.UInt8,
            "<i4" or "=i4" => NpyType.Int32,
            "<i8" or "=i8" => NpyType.Int64,
            "<f4" or "=f4" => NpyType.Float32,
            "<f8" or "=f8" => NpyType.Float64,
            var other => throw new DataFormatException(name, $"dtype '{other}' is not supported; expected uint8 ('|u1'), int32/int64 ('<i4', '<i8'), float32/float64 ('<f4', '<f8') or strings ('<U'), little-endian"),
        };
        var dims = new List<int>();
        foreach (var part in shape.Groups["shape"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out int d))
                throw new DataFormatException(name, $"has a bad shape entry '{part}' in its .npy header");
            dims.Add(d);
        }
        return (type, width, fortran.Groups["fortran"].Value == "True", dims.ToArray());
    }

    public static void Write(string path, NpyArray array)
    {
        using var file = File.Create(path);
        Write(file, array);
    }

    /// <summary>Writes a version 1.0 (or 2.0 when the header is huge) .npy with the data 64-byte aligned.</summary>
    public static void Write(Stream stream, NpyArray array)
    {
        string shape = array.Shape.Length == 1 ? $"({array.Shape[0]},)" : "(" + string.Join(", ", array.Shape) + ")";
        string dict = $"{{'descr': '{array.Descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int preamble = 10;
        int total = preamble + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        bool v2 = padded - preamble > ushort.MaxValue;
        if (v2) { preamble = 12; total = preamble + dict.Length + 1; padded = (total + 63) / 64 * 64; }
        var header = dict + new string(' ', padded - total) + "\n";
        Span<byte> head = stackalloc byte[12];
        Magic.CopyTo(head);
        head[6] = (byte)(v2 ? 2 : 1);
        head[7] = 0;
        if (v2) BinaryPrimitives.WriteUInt32LittleEndian(head[8..], (uint)header.Length);
        else BinaryPrimitives.WriteUInt16LittleEndian(head[8..], (ushort)header.Length);
        stream.Write(head[..preamble]);
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(array.RawBytes());
    }
}
