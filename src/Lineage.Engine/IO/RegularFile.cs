namespace Lineage.Engine.IO;

/// <summary>
/// Opens and reads files only when they are regular files whose size is known before reading. A path that
/// is (or links to) /dev/zero, /dev/urandom or a FIFO reports a size of 0 or none, yet never ends:
/// <c>File.ReadAllBytes</c> on it reads until memory runs out. Here it is refused, naming the path.
/// </summary>
public static class RegularFile
{
    /// <summary>Opens <paramref name="path"/> for reading, positioned at 0; throws
    /// <see cref="InvalidDataException"/> when it is not a regular file.</summary>
    public static FileStream Open(string path, int bufferSize = 4096)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize);
        try
        {
            if (!stream.CanSeek) throw NotRegular(path);
            // A device reports size 0 but has bytes to read; an empty regular file ends at once.
            if (stream.Length == 0 && stream.ReadByte() != -1) throw NotRegular(path);
            stream.Position = 0;
            return stream;
        }
        catch { stream.Dispose(); throw; }
    }

    /// <summary>The whole file, at most <paramref name="maxBytes"/> (checked against its size before anything
    /// is allocated).</summary>
    public static byte[] ReadAll(string path, long maxBytes = long.MaxValue)
    {
        using var stream = Open(path);
        long length = stream.Length;
        if (length > Math.Min(maxBytes, Array.MaxLength))
            throw new InvalidDataException($"{path} is {length} bytes, over the {Math.Min(maxBytes, Array.MaxLength)}-byte limit for this kind of file");
        var bytes = new byte[length];
        try { stream.ReadExactly(bytes); }
        catch (EndOfStreamException) { throw new InvalidDataException($"{path} shrank while it was read"); }
        if (stream.ReadByte() != -1) throw NotRegular(path);
        return bytes;
    }

    static InvalidDataException NotRegular(string path) =>
        new($"{path} is not a regular file (a device, pipe or file that grows while read); expected a file of fixed size");
}
