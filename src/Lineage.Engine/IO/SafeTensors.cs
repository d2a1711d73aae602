using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Lineage.Engine.IO;

/// <summary>What <see cref="SafeTensors.Load"/> read: tensors converted to float32 (Persistent), the
/// header's <c>__metadata__</c>, and each tensor's dtype as stored in the file.</summary>
public sealed record SafeTensorsContent(
    Dictionary<string, Tensor> Tensors,
    Dictionary<string, string> Metadata,
    Dictionary<string, string> DTypes)
{
    /// <summary>The header as it was in the file (JSON and padding), for <see cref="SafeTensors.IsCanonical"/>.</summary>
    public byte[]? HeaderBytes { get; init; }
}

/// <summary>
/// The Hugging Face safetensors format: an 8-byte little-endian header length N, N bytes of JSON
/// ({"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}}, padded
/// with spaces to a multiple of 8), then the raw little-endian data; offsets count from the start of the
/// data section. Files written here are byte-compatible with the Python/Rust library's layout.
/// </summary>
public static class SafeTensors
{
    /// <summary>The Rust library refuses headers above 100 MB; a larger length means a corrupt file.</summary>
    const long MaxHeaderBytes = 100_000_000;
    const string MetadataKey = "__metadata__";

    static readonly Dictionary<string, int> DTypeSizes = new()
    {
        ["F64"] = 8, ["I64"] = 8, ["U64"] = 8, ["F32"] = 4, ["I32"] = 4, ["U32"] = 4,
        ["F16"] = 2, ["BF16"] = 2, ["I16"] = 2, ["U16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    /// <summary>Order of dtypes in the Rust library's enum; data is laid out by descending dtype, then name,
    /// which keeps every tensor aligned to its element size.</summary>
    static readonly string[] DTypeOrder = ["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"];

    // ---------- writing ----------

    /// <summary>
    /// Writes tensors as F32 (names in <paramref name="int64Names"/> as I64, e.g. batch-norm's
    /// num_batches_tracked) to a temporary file beside <paramref name="path"/>, then renames it over the
    /// target, so a crash never leaves a half-written checkpoint.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null,
        IReadOnlySet<string>? int64Names = null)
    {
        AtomicWrite.Replace(path, tmp =>
        {
            using var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
            Write(fs, tensors, metadata, int64Names);
            fs.Flush(flushToDisk: true);
        });
    }

    /// <summary>Serialises to a stream (see <see cref="Save"/>).</summary>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null,
        IReadOnlySet<string>? int64Names = null)
    {
        if (int64Names != null)
            foreach (var n in int64Names)
                if (!tensors.ContainsKey(n)) throw new ArgumentException($"safetensors: '{n}' is marked I64 but is not among the tensors");
        var entries = tensors
            .Select(kv => (Name: kv.Key, Tensor: kv.Value, DType: int64Names != null && int64Names.Contains(kv.Key) ? "I64" : "F32"))
            .OrderByDescending(e => Array.IndexOf(DTypeOrder, e.DType))
            .ThenBy(e => e.Name, StringComparer.Ordinal)
            .ToList();

        var header = EncodeHeader(entries.Select(e => (e.Name, e.Tensor.Shape, e.DType)), metadata);
        Span<byte> lenBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lenBytes, (ulong)header.Length);
        stream.Write(lenBytes);
        stream.Write(header);

        var buffer = new byte[1 << 16];
        foreach (var (name, t, dtype) in entries)
        {
            var src = t.Span;
            if (dtype == "F32")
            {
                if (BitConverter.IsLittleEndian) stream.Write(MemoryMarshal.AsBytes(src));
                else foreach (var v in src) { BinaryPrimitives.WriteSingleLittleEndian(buffer, v); stream.Write(buffer, 0, 4); }
            }
            else
            {
                int k = 0;
                for (int i = 0; i < src.Length; i++)
                {
                    float v = src[i];
                    if (v != MathF.Round(v) || v < -9.2233715E+18f || v > 9.2233715E+18f)
                        throw new ArgumentException($"safetensors: tensor '{name}' is marked I64 but element {i} is {v}, not an integer");
                    BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(k), (long)v);
                    k += 8;
                    if (k == buffer.Length) { stream.Write(buffer, 0, k); k = 0; }
                }
                stream.Write(buffer, 0, k);
            }
        }
    }

    /// <summary>The header <see cref="Write"/> makes for these entries (in file order) and metadata: compact JSON, metadata
    /// keys in ordinal order, padded with spaces to a multiple of 8 bytes.</summary>
    static byte[] EncodeHeader(IEnumerable<(string Name, int[] Shape, string DType)> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var headerStream = new MemoryStream();
        using (var w = new Utf8JsonWriter(headerStream))
        {
            w.WriteStartObject();
            if (metadata != null)
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, shape, dtype) in entries)
            {
                if (string.IsNullOrEmpty(name) || name == MetadataKey) throw new ArgumentException($"safetensors: invalid tensor name '{name}'");
                long bytes = shape.Aggregate(1L, (a, d) => a * d) * DTypeSizes[dtype];
                w.WriteStartObject(name);
                w.WriteString("dtype", dtype);
                w.WriteStartArray("shape");
                foreach (var d in shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset); w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        int len = (int)headerStream.Length, padded = (len + 7) / 8 * 8;
        var header = new byte[padded];
        headerStream.GetBuffer().AsSpan(0, len).CopyTo(header);
        header.AsSpan(len).Fill((byte)' ');
        return header;
    }

    /// <summary>
    /// Whether the file's header is byte for byte what <see cref="Write"/> makes of its content. JSON allows the same
    /// content in other bytes (a padding space turned into a tab, "\u002B" spelled "\u002b", a key repeated), which a
    /// content hash cannot see; formats that promise to detect any changed byte (fingerprints, checkpoints) check this too.
    /// </summary>
    public static bool IsCanonical(SafeTensorsContent content)
    {
        if (content.HeaderBytes is null || content.DTypes.Values.Any(d => d is not ("F32" or "I64"))) return false;
        var entries = content.Tensors
            .Select(kv => (Name: kv.Key, kv.Value.Shape, DType: content.DTypes[kv.Key]))
            .OrderByDescending(e => Array.IndexOf(DTypeOrder, e.DType))
            .ThenBy(e => e.Name, StringComparer.Ordinal);
        // a file without metadata and one with an empty "__metadata__" object hold the same content in different bytes
        try
        {
            return EncodeHeader(entries, content.Metadata).AsSpan().SequenceEqual(content.HeaderBytes)
                || content.Metadata.Count == 0 && EncodeHeader(entries, null).AsSpan().SequenceEqual(content.HeaderBytes);
        }
        catch (ArgumentException) { return false; }
    }

    // ---------- reading ----------

    sealed record Entry(string Name, string DType, int[] Shape, long Begin, long End);

    /// <summary>
    /// Reads a safetensors file, converting F32, F16, BF16, F64, I64, I32, U8 (also I8, I16, U16, U32, U64, BOOL)
    /// to float32. Every offset, length, dtype and shape is checked; the tensors must tile the data section
    /// exactly. A truncated or corrupt file throws <see cref="InvalidDataException"/> naming the file, the
    /// tensor and the problem.
    /// </summary>
    public static SafeTensorsContent Load(string path)
    {
        using var fs = RegularFile.Open(path, 1 << 20);
        return Read(fs, path);
    }

    /// <summary>Reads from a seekable stream; <paramref name="sourceName"/> names it in error messages.</summary>
    public static SafeTensorsContent Read(Stream stream, string sourceName)
    {
        string where = $"safetensors file '{sourceName}'";
        InvalidDataException Bad(string what) => new($"{where}: {what}");
        long fileLen = stream.Length;
        if (fileLen < 8) throw Bad($"is {fileLen} bytes long, too short for the 8-byte header length (truncated?)");
        Span<byte> lenBytes = stackalloc byte[8];
        stream.ReadExactly(lenBytes);
        ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (headerLen > (ulong)(fileLen - 8)) throw Bad($"header length {headerLen} runs past the end of the {fileLen}-byte file (truncated or not a safetensors file)");
        if (headerLen > MaxHeaderBytes) throw Bad($"header length {headerLen} exceeds the {MaxHeaderBytes}-byte limit");
        var headerBytes = new byte[(int)headerLen];
        stream.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerLen, dataLen = fileLen - dataStart;

        List<Entry> entries; Dictionary<string, string> metadata;
        // an escaped lone surrogate ("\udf2d") is valid UTF-8 and valid JSON syntax, but reading it as a string throws
        try { (entries, metadata) = ParseHeader(headerBytes, Bad); }
        catch (InvalidOperationException e) { throw Bad($"header holds a string that is not valid text ({e.Message})"); }
        CheckLayout(entries, dataLen, Bad);

        var tensors = new Dictionary<string, Tensor>();
        var dtypes = new Dictionary<string, string>();
        var raw = Array.Empty<byte>();
        foreach (var e in entries)
        {
            long bytes = e.End - e.Begin;
            if (bytes > Array.MaxLength) throw Bad($"tensor '{e.Name}' has {bytes} bytes, more than one array can hold");
            if (raw.Length < bytes) raw = new byte[bytes];
            stream.Position = dataStart + e.Begin;
            try { stream.ReadExactly(raw, 0, (int)bytes); }
            catch (EndOfStreamException) { throw Bad($"tensor '{e.Name}': data ends early (truncated file)"); }
            var t = Tensor.Persistent(e.Shape);
            Convert(raw.AsSpan(0, (int)bytes), e.DType, t.Span);
            tensors[e.Name] = t;
            dtypes[e.Name] = e.DType;
        }
        return new SafeTensorsContent(tensors, metadata, dtypes) { HeaderBytes = headerBytes };
    }

    static (List<Entry>, Dictionary<string, string>) ParseHeader(byte[] header, Func<string, InvalidDataException> bad)
    {
        // System.Text.Json checks UTF-8 only when a string is read, and then throws InvalidOperationException.
        if (!System.Text.Unicode.Utf8.IsValid(header)) throw bad("header is not valid UTF-8 JSON");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header.AsMemory()); }
        catch (JsonException ex) { throw bad($"header is not valid JSON: {ex.Message}"); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw bad($"header must be a JSON object, found {doc.RootElement.ValueKind}");
        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>();
        var names = new HashSet<string>();
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            if (!names.Add(prop.Name)) throw bad($"tensor '{prop.Name}' appears twice in the header");
            if (prop.Name == MetadataKey)
            {
                if (prop.Value.ValueKind != JsonValueKind.Object) throw bad("__metadata__ must be an object of strings");
                foreach (var m in prop.Value.EnumerateObject())
                {
                    if (m.Value.ValueKind != JsonValueKind.String) throw bad($"__metadata__ entry '{m.Name}' is {m.Value.ValueKind}, not a string");
                    metadata[m.Name] = m.Value.GetString()!;
                }
                continue;
            }
            entries.Add(ParseEntry(prop.Name, prop.Value, bad));
        }
        return (entries, metadata);
    }

    static Entry ParseEntry(string name, JsonElement v, Func<string, InvalidDataException> bad)
    {
        string T(string what) => $"tensor '{name}': {what}";
        if (v.ValueKind != JsonValueKind.Object) throw bad(T($"header entry is {v.ValueKind}, not an object"));
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String) throw bad(T("missing or non-string \"dtype\""));
        string dtype = dt.GetString()!;
        if (!DTypeSizes.TryGetValue(dtype, out int elemSize)) throw bad(T($"unsupported dtype \"{dtype}\""));
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array) throw bad(T("missing or non-array \"shape\""));
        var shape = new int[sh.GetArrayLength()];
        long numel = 1;
        int k = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0 || dim > int.MaxValue)
                throw bad(T($"shape entry {d} is not a non-negative integer that fits in int32"));
            shape[k++] = (int)dim;
            numel = numel * dim;
            if (numel > Array.MaxLength) throw bad(T($"shape {Tensor.FormatShape(shape[..k])} has too many elements"));
        }
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw bad(T("\"data_offsets\" must be an array [begin, end]"));
        var o = off.EnumerateArray().ToArray();
        if (!o[0].TryGetInt64(out long begin) || !o[1].TryGetInt64(out long end) || begin < 0 || end < 0)
            throw bad(T($"data_offsets [{o[0]}, {o[1]}] are not non-negative integers"));
        if (end < begin) throw bad(T($"data_offsets [{begin}, {end}] end before they begin"));
        long expected = numel * elemSize;
        if (end - begin != expected)
            throw bad(T($"data_offsets [{begin}, {end}] hold {end - begin} bytes but dtype {dtype} with shape {Tensor.FormatShape(shape)} needs {expected}"));
        return new Entry(name, dtype, shape, begin, end);
    }

    /// <summary>The tensors must tile the data section: sorted by offset they start at 0, each begins where
    /// the previous ends (no overlap, no gap), and the last ends at the end of the file.</summary>
    static void CheckLayout(List<Entry> entries, long dataLen, Func<string, InvalidDataException> bad)
    {
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long pos = 0;
        Entry? prev = null;
        foreach (var e in entries)
        {
            if (e.End > dataLen)
                throw bad($"tensor '{e.Name}': data_offsets [{e.Begin}, {e.End}] run past the {dataLen}-byte data section (truncated file?)");
            if (e.Begin < pos)
                throw bad($"tensor '{e.Name}': data_offsets [{e.Begin}, {e.End}] overlap tensor '{prev!.Name}' [{prev.Begin}, {prev.End}]");
            if (e.Begin > pos)
                throw bad(prev == null
                    ? $"tensor '{e.Name}': data starts at byte {e.Begin}, leaving a gap at the start of the data section"
                    : $"tensor '{e.Name}': data starts at byte {e.Begin}, leaving a gap after tensor '{prev.Name}' which ends at {prev.End}");
            pos = e.End;
            prev = e;
        }
        if (pos != dataLen)
            throw bad(prev == null
                ? $"header lists no tensor data but the data section has {dataLen} bytes"
                : $"data section has {dataLen} bytes but the last tensor '{prev.Name}' ends at {pos} (trailing bytes)");
    }

    static void Convert(ReadOnlySpan<byte> src, string dtype, Span<float> dst)
    {
        switch (dtype)
        {
            case "F32":
                if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(src).CopyTo(dst);
                else for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
                break;
            case "F64": for (int i = 0; i < dst.Length; i++) dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(src[(8 * i)..]); break;
            case "F16": for (int i = 0; i < dst.Length; i++) dst[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(src[(2 * i)..]); break;
            // bfloat16 is the top half of a float32
            case "BF16": for (int i = 0; i < dst.Length; i++) dst[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]) << 16); break;
            case "I64": for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt64LittleEndian(src[(8 * i)..]); break;
            case "U64": for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadUInt64LittleEndian(src[(8 * i)..]); break;
            case "I32": for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt32LittleEndian(src[(4 * i)..]); break;
            case "U32": for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadUInt32LittleEndian(src[(4 * i)..]); break;
            case "I16": for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadInt16LittleEndian(src[(2 * i)..]); break;
            case "U16": for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]); break;
            case "I8": for (int i = 0; i < dst.Length; i++) dst[i] = (sbyte)src[i]; break;
            case "U8": case "BOOL": for (int i = 0; i < dst.Length; i++) dst[i] = src[i]; break;
            default: throw new InvalidOperationException($"unhandled dtype {dtype}");
        }
    }
}
