namespace Lineage.Statistics;

/// <summary>Per-pair and mean matching-rate margins.</summary>
/// <param name="Margins">Margin of each (positive, mirror negative) pair, in input order.</param>
/// <param name="Mean">Their mean.</param>
public sealed record MatchingRateMarginResult(IReadOnlyList<double> Margins, double Mean);

/// <summary>Matching-rate margin (NaturalFinger §4.1, Fig. 6): each positive model's score minus the score of
/// its mirror negative — the model that underwent the same attack but was trained on other data.</summary>
public static class MatchingRateMargin
{
    /// <summary>Margin per pair, oriented so a positive margin always means the stolen model looks more stolen:
    /// positive − negative for <see cref="ScoreDirection.HigherIsStolen"/>, negative − positive for
    /// <see cref="ScoreDirection.LowerIsStolen"/>.</summary>
    /// <exception cref="ArgumentException">Empty lists, lists of different lengths, or a non-finite score.</exception>
    public static MatchingRateMarginResult Compute(IReadOnlyList<double> positives, IReadOnlyList<double> mirrorNegatives, ScoreDirection direction)
    {
        ScoreValidation.RequireScores(positives, nameof(positives), "positive (stolen)");
        ScoreValidation.RequireScores(mirrorNegatives, nameof(mirrorNegatives), "mirror negative");
        if (positives.Count != mirrorNegatives.Count)
            throw new ArgumentException(
                $"Margins pair each positive with its mirror negative, but there are {positives.Count} positives and {mirrorNegatives.Count} mirror negatives.",
                nameof(mirrorNegatives));

        var margins = new double[positives.Count];
        double sum = 0;
        for (int i = 0; i < margins.Length; i++)
        {
            margins[i] = direction.Orient(positives[i]) - direction.Orient(mirrorNegatives[i]);
            sum += margins[i];
        }
        return new MatchingRateMarginResult(margins, sum / margins.Length);
    }
}
