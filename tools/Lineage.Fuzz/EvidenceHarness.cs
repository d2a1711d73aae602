using System.Buffers.Binary;
using System.Text;
using Lineage.Evidence;

namespace Lineage.Fuzz;

/// <summary>
/// An evidence package is a folder, so the input is a packed one: a flag byte, then entries of
/// [u16 name length][name][u32 length][bytes]. With the flag's low bit set the manifest is rebuilt over the unpacked files
/// (as a forger would), so mutations reach the document and the re-scoring behind the hash check. Names that would leave
/// the folder are skipped.
/// </summary>
public static class EvidenceHarness
{
    public static void Run(byte[] bytes)
    {
        if (bytes.Length == 0) return;
        var dir = Scratch.Folder("evidence");
        Unpack(bytes.AsSpan(1), dir);
        if ((bytes[0] & 1) != 0) File.WriteAllBytes(Path.Combine(dir, EvidenceManifest.FileName), EvidenceManifest.Build(dir));
        HarnessCatalog.Judge(dir, () => EvidenceCheck.Run(dir));
    }

    static void Unpack(ReadOnlySpan<byte> packed, string dir)
    {
        while (packed.Length >= 2)
        {
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(packed);
            if (packed.Length < 2 + nameLength + 4) return;
            var name = Encoding.UTF8.GetString(packed.Slice(2, nameLength));
            long length = BinaryPrimitives.ReadUInt32LittleEndian(packed[(2 + nameLength)..]);
            packed = packed[(2 + nameLength + 4)..];
            if (length > packed.Length) length = packed.Length;
            var content = packed[..(int)length];
            packed = packed[(int)length..];
            if (!SafeName(name)) continue;
            var path = Path.Combine(dir, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!Directory.Exists(path)) File.WriteAllBytes(path, content.ToArray());
        }
    }

    static bool SafeName(string name) =>
        name.Length is > 0 and < 128 && !name.StartsWith('/') && name.Split('/').All(p => p.Length > 0 && p != "." && p != "..")
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/');

    /// <summary>Packs a real package's folder into this format (the seed), with the manifest kept as written.</summary>
    public static byte[] Pack(string dir)
    {
        using var packed = new MemoryStream();
        packed.WriteByte(0);
        Span<byte> head = stackalloc byte[2];
        Span<byte> len = stackalloc byte[4];
        foreach (var file in Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Encoding.UTF8.GetBytes(Path.GetRelativePath(dir, file).Replace('\\', '/'));
            var content = File.ReadAllBytes(file);
            BinaryPrimitives.WriteUInt16LittleEndian(head, (ushort)name.Length);
            packed.Write(head); packed.Write(name);
            BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)content.Length);
            packed.Write(len); packed.Write(content);
        }
        return packed.ToArray();
    }
}
