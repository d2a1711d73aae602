namespace Lineage.Data;

/// <summary>
/// Finds a named dataset's files on disk. Search order: the --data-dir folder, $LINEAGE_DATA, Debian's
/// /usr/share/datasets/&lt;name&gt;, then ~/.lineage/data/&lt;name&gt;; under each root both
/// ROOT/&lt;name&gt; and ROOT itself are tried. Nothing is downloaded.
/// </summary>
public sealed class DatasetLocator
{
    public const string EnvironmentVariable = "LINEAGE_DATA";
    public const string SystemRoot = "/usr/share/datasets";

    readonly List<(string Root, string Why)> roots = new();

    /// <param name="dataDir">--data-dir, highest priority.</param>
    /// <param name="environmentDir">The value of $LINEAGE_DATA.</param>
    /// <param name="systemRoot">Debian's dataset root.</param>
    /// <param name="homeDir">The user's home folder (for ~/.lineage/data).</param>
    public DatasetLocator(string? dataDir, string? environmentDir, string? systemRoot, string? homeDir)
    {
        if (!string.IsNullOrEmpty(dataDir)) roots.Add((dataDir, "--data-dir"));
        if (!string.IsNullOrEmpty(environmentDir)) roots.Add((environmentDir, "$" + EnvironmentVariable));
        if (!string.IsNullOrEmpty(systemRoot)) roots.Add((systemRoot, "Debian datasets"));
        if (!string.IsNullOrEmpty(homeDir)) roots.Add((Path.Combine(homeDir, ".lineage", "data"), "user data"));
    }

    /// <summary>The usual search path for this process.</summary>
    public static DatasetLocator FromEnvironment(string? dataDir = null) =>
        new(dataDir, Environment.GetEnvironmentVariable(EnvironmentVariable), SystemRoot,
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>The folders tried for <paramref name="name"/>, in order.</summary>
    public IReadOnlyList<string> Candidates(string name)
    {
        var list = new List<string>();
        foreach (var (root, _) in roots)
        {
            list.Add(Path.GetFullPath(Path.Combine(root, name)));
            list.Add(Path.GetFullPath(root));
        }
        return list.Distinct().ToList();
    }

    /// <summary>The first candidate folder that <paramref name="accept"/> recognises; otherwise a
    /// <see cref="DatasetNotFoundException"/> listing every place tried.</summary>
    public string Find(string name, Func<string, bool> accept, string expectedFiles, string howToGet)
    {
        var tried = new List<string>();
        foreach (var (root, why) in roots)
            foreach (var dir in new[] { Path.Combine(root, name), root })
            {
                var full = Path.GetFullPath(dir);
                if (tried.Any(t => t.StartsWith(full + " ", StringComparison.Ordinal))) continue;
                if (Directory.Exists(full) && accept(full)) return full;
                tried.Add($"{full} ({why}{(Directory.Exists(full) ? ": files missing" : ": no such folder")})");
            }
        throw new DatasetNotFoundException(name, tried, expectedFiles, howToGet);
    }
}
