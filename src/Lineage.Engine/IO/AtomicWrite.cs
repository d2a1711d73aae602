namespace Lineage.Engine.IO;

/// <summary>Replaces a file in one step: the content goes to a unique temporary name in the same folder, then is
/// renamed over the target, so an interrupted write, a crash or a concurrent writer leaves either the old file or the
/// complete new one, never half a file.</summary>
public static class AtomicWrite
{
    /// <param name="path">The file to create or replace; its folder must exist.</param>
    /// <param name="writeTemporary">Writes (and flushes) the whole content to the temporary path it is given.</param>
    public static void Replace(string path, Action<string> writeTemporary)
    {
        var full = Path.GetFullPath(path);
        var tmp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            writeTemporary(tmp);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
