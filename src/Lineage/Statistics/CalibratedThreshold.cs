namespace Lineage.Statistics;

/// <summary>A decision threshold chosen on null (independent) model scores, with the false-positive
/// rate it actually achieves on those nulls.</summary>
/// <param name="Threshold">Flag a suspect when its score is at or beyond this value (see <see cref="ScoreDirectionExtensions.IsFlagged"/>).</param>
/// <param name="TargetFpr">The false-positive rate asked for.</param>
/// <param name="AchievedFpr">The empirical false-positive rate on the nulls; never above <paramref name="TargetFpr"/>.</param>
/// <param name="NullCount">How many null scores the threshold was calibrated on; 1/NullCount is the smallest nonzero FPR that can be claimed.</param>
/// <param name="Direction">Which end of the score means stolen.</param>
public sealed record CalibratedThreshold(double Threshold, double TargetFpr, double AchievedFpr, int NullCount, ScoreDirection Direction)
{
    /// <summary>True when <paramref name="score"/> is flagged as stolen at this threshold.</summary>
    public bool IsFlagged(double score) => Direction.IsFlagged(score, Threshold);
}
