using System.Text;
using Lineage.Engine.IO;

namespace Lineage.Files;

/// <summary>Files written to a unique temporary name in the same folder, flushed, then renamed over the
/// target: an interrupted write, a crash or a concurrent shard leaves either the old file or the complete
/// new one, never half a file that a resumed run would mistake for finished work.</summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text) => Write(path, tmp =>
    {
        using var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        using (var writer = new StreamWriter(fs, new UTF8Encoding(false), leaveOpen: true)) writer.Write(text);
        fs.Flush(flushToDisk: true);
    });

    /// <param name="write">Writes the content to the temporary path it is given.</param>
    public static void Write(string path, Action<string> write)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicWrite.Replace(path, write);
    }
}
