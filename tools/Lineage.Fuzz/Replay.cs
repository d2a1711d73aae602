using System.Diagnostics;

namespace Lineage.Fuzz;

/// <summary>Runs saved inputs through a harness without AFL: the CI-sized check that every corpus file and every
/// regression input is still refused clearly (or accepted).</summary>
public static class Replay
{
    public sealed record Finding(string Path, string Why, string Detail);
    public sealed record Result(int Inputs, int ParsesAccepted, int ParsesRefused, IReadOnlyList<Finding> Findings, TimeSpan Elapsed);

    public static Result Run(Harness harness, IEnumerable<string> paths)
    {
        var clock = Stopwatch.StartNew();
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray() : new[] { p })
            .Where(f => !Path.GetFileName(f).StartsWith('.') && Path.GetFileName(f) is not ("README.md" or "README.txt")).ToList();
        var findings = new List<Finding>();
        int accepted = HarnessCatalog.Accepted, refused = HarnessCatalog.Refused;
        foreach (var file in files)
        {
            try { harness.Run(File.ReadAllBytes(file)); }
            catch (FuzzFinding f) { findings.Add(new(file, f.Message, f.InnerException?.ToString() ?? "")); }
        }
        return new Result(files.Count, HarnessCatalog.Accepted - accepted, HarnessCatalog.Refused - refused, findings, clock.Elapsed);
    }
}
