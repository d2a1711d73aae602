using System.Security.Cryptography;

namespace Lineage.Registry.Storage;

/// <summary>
/// Files kept by their SHA-256 under <c>DATA/objects/ab/abcdef…</c>: fingerprints, uploaded suspects and evidence
/// packages. A file is written to <c>DATA/tmp</c>, flushed to disk, hashed, and renamed into place, so a kill at any
/// moment leaves either no object or the whole one, and an object's name is its checksum (re-hashed on read when
/// asked). The same content stored twice is one object.
/// </summary>
public sealed class ContentStore
{
    readonly string objects;
    public string TempDirectory { get; }

    public ContentStore(string dataDir)
    {
        objects = Path.Combine(Path.GetFullPath(dataDir), "objects");
        TempDirectory = Path.Combine(Path.GetFullPath(dataDir), "tmp");
        Directory.CreateDirectory(objects);
        Directory.CreateDirectory(TempDirectory);
    }

    /// <summary>A fresh path in the store's temporary folder (same file system as the objects, so the final rename is atomic).</summary>
    public string NewTempPath(string suffix = "") => Path.Combine(TempDirectory, $"{Guid.NewGuid():N}{suffix}");

    /// <summary>Moves a finished temporary file into the store and returns its SHA-256.</summary>
    public string PutFile(string tempPath)
    {
        string hash;
        using (var f = new FileStream(tempPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            f.Flush(flushToDisk: true);
            hash = Convert.ToHexStringLower(SHA256.HashData(f));
        }
        var target = PathOf(hash);
        if (File.Exists(target)) { File.Delete(tempPath); return hash; }
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        try { File.Move(tempPath, target, overwrite: false); }
        catch (IOException) when (File.Exists(target)) { File.Delete(tempPath); }   // stored meanwhile by another writer: the same bytes
        return hash;
    }

    public bool Contains(string sha256) => IsHash(sha256) && File.Exists(PathOf(sha256));

    public string PathOf(string sha256)
    {
        if (!IsHash(sha256)) throw new ArgumentException($"'{sha256}' is not a SHA-256 in hex");
        return Path.Combine(objects, sha256[..2], sha256);
    }

    /// <summary>The object's path after checking its bytes still hash to its name (a damaged disk is named, not served).</summary>
    public string Verified(string sha256)
    {
        var path = PathOf(sha256);
        if (!File.Exists(path)) throw new FileNotFoundException($"object {sha256} is missing from the content store", path);
        using var f = File.OpenRead(path);
        var actual = Convert.ToHexStringLower(SHA256.HashData(f));
        if (actual != sha256) throw new InvalidDataException($"object {sha256} in the content store is damaged (its bytes hash to {actual})");
        return path;
    }

    /// <summary>Temporary files untouched for a day: what a killed process was writing. Deleted at start-up; a day, not
    /// less, so that a long scan on another machine sharing the volume keeps its working folder.</summary>
    public int SweepTemp(TimeSpan? olderThan = null)
    {
        var cutoff = DateTime.UtcNow - (olderThan ?? TimeSpan.FromDays(1));
        int n = 0;
        foreach (var entry in new DirectoryInfo(TempDirectory).EnumerateFileSystemInfos())
        {
            if (entry.LastWriteTimeUtc > cutoff) continue;
            try
            {
                if (entry is DirectoryInfo d) d.Delete(recursive: true); else entry.Delete();
                n++;
            }
            catch (IOException) { }
        }
        return n;
    }

    static bool IsHash(string s) => s.Length == 64 && s.All(ch => ch is >= '0' and <= '9' or >= 'a' and <= 'f');
}
