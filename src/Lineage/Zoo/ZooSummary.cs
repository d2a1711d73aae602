namespace Lineage.Zoo;

/// <summary>One group of a zoo's models (a role and category): how many, their test-accuracy range and mean, and
/// the seconds their own build steps took (null when a build record is missing).</summary>
public sealed record ZooSummaryRow(string Role, string Category, int Models, double? MinAccuracy, double? MaxAccuracy, double? MeanAccuracy, double? BuildSeconds);

/// <summary>
/// What a built zoo holds, per role and category, from its manifest: the figures docs/zoo.md and the README
/// quote (accuracy range per category, as SAC's Table 3; total build time as the sum of per-model step times).
/// </summary>
public static class ZooSummary
{
    public static IReadOnlyList<ZooSummaryRow> Rows(ZooManifest manifest)
    {
        string[] roleOrder = [ZooManifestModel.SourceRole, ZooManifestModel.StolenRole, ZooManifestModel.IndependentRole];
        // GroupBy keeps first-appearance order and OrderBy is stable, so categories stay in manifest order within a role.
        return manifest.Models
            .GroupBy(m => (m.Role, m.Category))
            .OrderBy(g => Array.IndexOf(roleOrder, g.Key.Role))
            .Select(g =>
            {
                var acc = g.Where(m => m.TestAccuracy is not null).Select(m => m.TestAccuracy!.Value).ToList();
                return new ZooSummaryRow(g.Key.Role, g.Key.Category, g.Count(),
                    acc.Count == 0 ? null : acc.Min(), acc.Count == 0 ? null : acc.Max(), acc.Count == 0 ? null : acc.Average(),
                    g.All(m => m.Seconds is not null) ? g.Sum(m => m.Seconds!.Value) : null);
            })
            .ToList();
    }

    /// <summary>Sum of every declared model's own build seconds: the zoo's build time on one machine, one model
    /// after another; null when any build record is missing.</summary>
    public static double? TotalBuildSeconds(ZooManifest manifest)
        => manifest.Models.All(m => m.Seconds is not null) ? manifest.Models.Sum(m => m.Seconds!.Value) : null;
}
