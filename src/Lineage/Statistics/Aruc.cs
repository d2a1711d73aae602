namespace Lineage.Statistics;

/// <summary>Area under the robustness–uniqueness curves (IPGuard (Cao et al. 2021); NaturalFinger §4.1) as a single number;
/// see <see cref="RobustnessUniquenessCurve"/> for the definition and the curves themselves.</summary>
public static class Aruc
{
    /// <summary>ARUC over <see cref="ScoreRange.Unit"/>, for matching rates and fingerprint accuracies.</summary>
    public static double Compute(IReadOnlyList<double> positives, IReadOnlyList<double> negatives, ScoreDirection direction) =>
        RobustnessUniquenessCurve.Compute(positives, negatives, direction).Aruc;

    /// <summary>ARUC over a caller-given threshold range, normalised to length 1.</summary>
    public static double Compute(IReadOnlyList<double> positives, IReadOnlyList<double> negatives, ScoreDirection direction, ScoreRange range) =>
        RobustnessUniquenessCurve.Compute(positives, negatives, direction, range).Aruc;
}
