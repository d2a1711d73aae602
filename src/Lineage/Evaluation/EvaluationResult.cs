namespace Lineage.Evaluation;

/// <summary>The outcome of evaluating every method on a zoo: per-method summaries and every model's score.</summary>
public sealed record EvaluationResult
{
    public required string Zoo { get; init; }
    /// <summary>The id of the zoo's source that was fingerprinted.</summary>
    public string Source { get; init; } = "";
    public string SpecHash { get; init; } = "";
    public required string Dataset { get; init; }
    public required string Mode { get; init; }
    public required double TargetFpr { get; init; }
    public required double ReportFpr { get; init; }
    /// <summary>Attack categories in the order of SAC's tables (fine-tuning, pruning, extraction, transfer, other).</summary>
    public required IReadOnlyList<string> Categories { get; init; }
    /// <summary>The models thresholds were calibrated on: zoo independents, or the kit's references (ids <c>kit-…</c>).</summary>
    public required IReadOnlyList<string> CalibrationModels { get; init; }
    /// <summary>The owner's kit the methods learned from and calibrated on ("DIR (hash …)"), or null without one.</summary>
    public string? Kit { get; init; }
    public required IReadOnlyList<MethodSummary> Methods { get; init; }
    public required IReadOnlyList<ModelScore> Scores { get; init; }
}
