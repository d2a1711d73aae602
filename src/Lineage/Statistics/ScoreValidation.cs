namespace Lineage.Statistics;

/// <summary>Argument checks shared by the metrics, so every metric rejects bad input with the same
/// clear message instead of returning NaN from an empty denominator.</summary>
internal static class ScoreValidation
{
    public static void RequireScores(IReadOnlyList<double>? scores, string paramName, string what, int minimumCount = 1)
    {
        ArgumentNullException.ThrowIfNull(scores, paramName);
        if (scores.Count < minimumCount)
            throw new ArgumentException(
                minimumCount == 1
                    ? $"The {what} scores are empty; at least one score is needed."
                    : $"The {what} scores have {scores.Count} value(s); at least {minimumCount} are needed.",
                paramName);
        for (int i = 0; i < scores.Count; i++)
            if (!double.IsFinite(scores[i]))
                throw new ArgumentException($"The {what} score at index {i} is {scores[i]}; scores must be finite numbers.", paramName);
    }

    public static void RequireFinite(double value, string paramName, string what)
    {
        if (!double.IsFinite(value))
            throw new ArgumentException($"The {what} is {value}; it must be a finite number.", paramName);
    }

    /// <summary>Target false-positive rates live in [0, 1): a target of 1 or more would allow flagging
    /// every independent model, which no owner can claim as evidence.</summary>
    public static void RequireTargetFpr(double targetFpr, string paramName)
    {
        if (!(targetFpr >= 0.0 && targetFpr < 1.0))
            throw new ArgumentOutOfRangeException(paramName, targetFpr, "The target false-positive rate must be in [0, 1).");
    }

    public static double[] Oriented(IReadOnlyList<double> scores, ScoreDirection direction)
    {
        var result = new double[scores.Count];
        for (int i = 0; i < result.Length; i++) result[i] = direction.Orient(scores[i]);
        return result;
    }
}
