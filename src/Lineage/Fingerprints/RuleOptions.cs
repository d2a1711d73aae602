using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>
/// Where a new fingerprint's decision threshold comes from, in order of preference: calibration on
/// independent ("null") models at a target false-positive rate (verdicts then carry p-values); the
/// method paper's own rule (SAC §3.2: midway between the mean scores of independent and derived
/// validation models; CAE: θ = 0.7); or a threshold the owner states.
/// </summary>
public sealed record RuleOptions
{
    /// <summary>Independent models (never derived from the source).</summary>
    public IReadOnlyList<ISuspect> IndependentModels { get; init; } = [];
    /// <summary>Known derived models for the validation rule of SAC §3.2 (e.g. the owner's own extractions).</summary>
    public IReadOnlyList<ISuspect> DerivedModels { get; init; } = [];
    public double TargetFpr { get; init; } = 0.05;
    public double? Threshold { get; init; }
    /// <summary>Use the paper's validation rule even when calibration is possible.</summary>
    public bool PreferPaperRule { get; init; }

    /// <summary>Builds the rule: an owner's threshold; else calibration on the independent models (unless the
    /// paper rule is preferred); else the method's paper rule, which may need validation scores.</summary>
    /// <param name="paperRule">The method paper's rule given independent and derived validation scores, or null where it has none for them.</param>
    internal DecisionRule Resolve(Fingerprint draft, IFingerprintMethod method, ScoreDirection direction,
        Func<IReadOnlyList<double>, IReadOnlyList<double>, DecisionRule?> paperRule)
    {
        if (Threshold is double t) return new DecisionRule { Direction = direction, Threshold = t, Basis = "threshold set by the owner" };
        double Score(ISuspect s) => method.Score(draft, s.Query(draft.Queries)).Score;
        var nulls = IndependentModels.Select(Score).ToList();
        var derived = DerivedModels.Select(Score).ToList();
        if (nulls.Count > 0 && !PreferPaperRule) return DecisionRule.Calibrated(direction, nulls, TargetFpr);
        return paperRule(nulls, derived)
            ?? throw new ArgumentException($"{draft.Method}: the paper's rule needs {(direction == ScoreDirection.LowerIsStolen ? "independent and derived validation models" : "validation models")}; give independent models to calibrate on, or a threshold");
    }
}
