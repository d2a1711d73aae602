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

    /// <summary>numpy itself refuses headers over 10,000 bytes by default (np.load's max_header_size); a
    /// megabyte leaves room for any real shape and keeps a forged length from driving an allocation.</summary>
    const int MaxHeaderBytes = 1 << 20;

    public static NpyArray Read(string path)
    {
        FileStream file;
        try { file = Engine.IO.RegularFile.Open(path, 1 << 16); }
        catch (FileNotFoundException) { throw new DataFormatException(path, "file not found"); }
        catch (DirectoryNotFoundException) { throw new DataFormatException(path, "file not found"); }
        catch (InvalidDataException e) { throw new DataFormatException(path, "is not a regular file (a device, pipe or growing file)", e); }
        using (file) return Read(file, path, file.Length);
    }

    /// <param name="name">Names the data in error messages (file path, or archive!entry).</param>
    public static NpyArray Parse(byte[] bytes, string name) => Read(new MemoryStream(bytes, writable: false), name, bytes.Length);

    /// <summary>Reads one array from a stream that can honestly hold at most <paramref name="maxBytes"/> (a file's
    /// size; a compressed archive entry's bound). The header is read first and every length it declares is checked
    /// against that bound before anything is allocated; then exactly the declared data is read, and one byte
    /// more is an error, so an entry that inflates past its header is never inflated further.</summary>
    public static NpyArray Read(Stream stream, string name, long maxBytes)
    {
        int Fill(Span<byte> buffer)
        {
            try { return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false); }
            catch (InvalidDataException e) { throw new DataFormatException(name, "is corrupt (its compressed data does not inflate): " + e.Message, e); }
        }
        Span<byte> pre = stackalloc byte[12];
        int got = Fill(pre[..10]);
        if (got < 10 || !pre[..6].SequenceEqual(Magic))
            throw new DataFormatException(name, "is not a .npy file: expected the magic string \\x93NUMPY at its start");
        int major = pre[6];
        long headerLength;
        int headerStart;
        if (major == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(pre[8..]); headerStart = 10; }
        else if (major is 2 or 3)
        {
            if (Fill(pre[10..12]) < 2) throw new DataFormatException(name, "is too short for a .npy v2 header");
            headerLength = BinaryPrimitives.ReadUInt32LittleEndian(pre[8..]);
            headerStart = 12;
        }
        else throw new DataFormatException(name, $".npy format version {major}.{pre[7]} is not supported; expected 1.0, 2.0 or 3.0");
        if (headerStart + headerLength > maxBytes)
            throw new DataFormatException(name, $"declares a {headerLength}-byte header but the file has only {maxBytes - headerStart} bytes after the preamble (truncated?)");
        if (headerLength > MaxHeaderBytes)
            throw new DataFormatException(name, $"declares a {headerLength}-byte header, over the {MaxHeaderBytes}-byte limit for a .npy header (corrupt?)");
        var headerBytes = new byte[headerLength];
        if (Fill(headerBytes) < headerLength)
            throw new DataFormatException(name, $"declares a {headerLength}-byte header but ends before it (truncated?)");
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var (type, width, fortran, shape) = ParseHeader(header, name);
        if (fortran && shape.Count(d => d > 1) > 1)
            throw new DataFormatException(name, "stores its array in Fortran order; expected C order (save with np.ascontiguousarray)");
        long count = 1;
        // int dimensions: clamping keeps the product from overflowing long before the size check refuses it
        foreach (var d in shape) count = Math.Min(count * d, long.MaxValue / int.MaxValue / 8);
        long dataBytes = count * NpyArray.ItemSize(type, width);
        long available = maxBytes - headerStart - headerLength;
        string declared = $"header declares shape ({string.Join(", ", shape)}) of {NpyArray.DescrOf(type, width)} = {dataBytes} data bytes";
        if (dataBytes > available)
            throw new DataFormatException(name, $"{declared} but the file holds {(stream.CanSeek ? stream.Length - stream.Position : available)}");
        if (dataBytes > Array.MaxLength)
            throw new DataFormatException(name, $"holds {dataBytes} bytes, more than one array can take");
        var data = new byte[dataBytes];
        int read = Fill(data);
        if (read < dataBytes) throw new DataFormatException(name, $"{declared} but the file holds {read}");
        Span<byte> one = stackalloc byte[1];
        if (Fill(one) != 0)
            throw new DataFormatException(name, stream.CanSeek
                ? $"{declared} but the file holds {dataBytes + 1 + (stream.Length - stream.Position)}"
                : $"{declared} but holds more (corrupt, or a decompression bomb)");
        return NpyArray.FromRaw(type, shape, data, width);
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
