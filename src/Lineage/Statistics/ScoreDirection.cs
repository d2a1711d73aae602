namespace Lineage.Statistics;

/// <summary>Which end of a method's score points at a stolen (derived) model.</summary>
/// <remarks>Matching rates and fingerprint accuracies (IPGuard, CAE, NaturalFinger) are
/// <see cref="HigherIsStolen"/>; distances such as SAC's correlation difference are
/// <see cref="LowerIsStolen"/>. Every metric takes the direction so callers never negate scores by hand.</remarks>
public enum ScoreDirection
{
    /// <summary>A suspect is flagged as stolen when its score is at least the threshold.</summary>
    HigherIsStolen,

    /// <summary>A suspect is flagged as stolen when its score is at most the threshold.</summary>
    LowerIsStolen,
}

/// <summary>The single decision rule shared by every metric, so ROC points, TPR@FPR, retention and
/// calibrated thresholds all mean the same thing by "flagged at threshold t".</summary>
public static class ScoreDirectionExtensions
{
    /// <summary>Maps a score onto an axis where larger always means "more likely stolen".
    /// Negation is exact in IEEE arithmetic, so no information is lost.</summary>
    public static double Orient(this ScoreDirection direction, double score) => direction switch
    {
        ScoreDirection.HigherIsStolen => score,
        ScoreDirection.LowerIsStolen => -score,
        _ => throw new ArgumentOutOfRangeException(nameof(direction), direction, "Unknown score direction."),
    };

    /// <summary>Inverse of <see cref="Orient"/> (its own inverse, since it is a sign flip).</summary>
    public static double FromOriented(this ScoreDirection direction, double oriented) => direction.Orient(oriented);

    /// <summary>True when <paramref name="score"/> is flagged as stolen at <paramref name="threshold"/>:
    /// score ≥ threshold for <see cref="ScoreDirection.HigherIsStolen"/>, score ≤ threshold for
    /// <see cref="ScoreDirection.LowerIsStolen"/>. Ties are flagged, as in CAE Algorithm 1 (p_ret ≥ θ)
    /// and IPGuard's robustness R(t) (score ≥ t).</summary>
    public static bool IsFlagged(this ScoreDirection direction, double score, double threshold) =>
        direction.Orient(score) >= direction.Orient(threshold);

    /// <summary>The threshold that flags nothing (+∞ or −∞), used for the (0, 0) end of a ROC curve.</summary>
    public static double FlagNothingThreshold(this ScoreDirection direction) =>
        direction.FromOriented(double.PositiveInfinity);
}
