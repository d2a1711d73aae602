namespace Lineage.Fuzz;

/// <summary>The harnesses' scratch folder: parsers that take a path get the input written to a file here (on /dev/shm
/// where it exists, so a campaign does not wear the disk). One folder per process, so parallel fuzzers do not collide.</summary>
public static class Scratch
{
    static readonly string Root = CreateRoot();

    static string CreateRoot()
    {
        var parent = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var dir = Path.Combine(parent, $"lineage-fuzz-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, true); } catch (IOException) { } };
        return dir;
    }

    public static string File(string name, byte[] bytes)
    {
        var path = Path.Combine(Root, name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>An empty folder of this name (cleared if it was used by the previous input).</summary>
    public static string Folder(string name)
    {
        var path = Path.Combine(Root, name);
        if (Directory.Exists(path)) Directory.Delete(path, true);
        Directory.CreateDirectory(path);
        return path;
    }
}
