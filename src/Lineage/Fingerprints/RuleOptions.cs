using Lineage.Kits;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>
/// Where a new fingerprint's decision thresholds come from, in order of preference: a threshold the owner
/// states (for the primary view only); calibration on independent ("null") models at a target
/// false-positive rate by the conformal rank rule (verdicts then carry p-values); or the method paper's own rule
/// (SAC §3.2: midway between the mean scores of independent and derived validation models; CAE's θ). Calibration and the paper rule
/// produce one rule per view of the answers (logits, probabilities, top-k, labels), because scores of
/// different views are on different scales; the validation models are queried once, in full.
/// </summary>
public sealed record RuleOptions
{
    /// <summary>Independent models (never derived from the source), answering with logits.</summary>
    public IReadOnlyList<ISuspect> IndependentModels { get; init; } = [];
    /// <summary>Known derived models for the paper's validation rule (e.g. the owner's own extractions).</summary>
    public IReadOnlyList<ISuspect> DerivedModels { get; init; } = [];
    public double TargetFpr { get; init; } = 0.05;
    public double? Threshold { get; init; }
    /// <summary>Use the paper's validation rule even when calibration is possible.</summary>
    public bool PreferPaperRule { get; init; }
    /// <summary>What the independent models are, in words, for the rule's basis ("kit references").</summary>
    public string NullModelsDescription { get; init; } = "independent models";
    /// <summary>Calibrate on this kit's references when no independent models are given: those the method did not
    /// learn from (<see cref="SampledQueries.KitModelsUsed"/>).</summary>
    public OwnerKit? Kit { get; init; }

    /// <summary>These options with the kit's references as the independent models, unless some were given or the
    /// owner set the threshold.</summary>
    internal RuleOptions WithKitReferences(IReadOnlyList<string> kitModelsUsed)
    {
        if (Kit is null || IndependentModels.Count > 0 || Threshold is not null) return this;
        var unused = Kit.References.Where(m => !kitModelsUsed.Contains(m.Id)).ToList();
        if (unused.Count == 0)
            throw new ArgumentException($"{Kit.ManifestPath}: every reference of the kit was used to make the fingerprint, so none is left to calibrate on; build a kit with more references");
        return this with
        {
            IndependentModels = unused.Select(m => (ISuspect)ModelSuspect.Of(m.Load(Kit), m.Id)).ToList(),
            NullModelsDescription = kitModelsUsed.Count > 0 ? "kit references the method did not learn from" : "kit references",
        };
    }

    internal IReadOnlyList<DecisionRule> Resolve(Fingerprint draft, IFingerprintMethod method)
    {
        var direction = method.Info.Direction;
        var views = method.Views(draft);
        if (Threshold is double t)
        {
            string primary = method.Score(draft, views[0].From(draft.SourceOutput)).Representation;
            return [new DecisionRule { Direction = direction, Threshold = t, Basis = "threshold set by the owner", Representation = primary }];
        }
        var nullAnswers = IndependentModels.Select(s => s.Query(draft.Queries)).ToList();
        var derivedAnswers = DerivedModels.Select(s => s.Query(draft.Queries)).ToList();
        var rules = new List<DecisionRule>();
        foreach (var view in views)
        {
            if (nullAnswers.Concat(derivedAnswers).Any(a => a.Mode > view.Mode)) continue;  // a validation model revealing less cannot stand in for this view
            string representation = method.Score(draft, view.From(draft.SourceOutput)).Representation;
            var nulls = nullAnswers.Select(a => method.Score(draft, view.From(a)).Value).ToList();
            var derived = derivedAnswers.Select(a => method.Score(draft, view.From(a)).Value).ToList();
            DecisionRule? rule = nulls.Count > 0 && !PreferPaperRule
                ? DecisionRule.Calibrated(direction, nulls, TargetFpr, representation, NullModelsDescription)
                : method.Info.PaperRule?.Invoke(nulls, derived) is DecisionRule p ? p with { Representation = representation } : null;
            if (rule != null) rules.Add(rule);
        }
        if (rules.Count == 0)
            throw new ArgumentException($"{draft.Method}: give independent models to calibrate the threshold on{(direction == ScoreDirection.LowerIsStolen ? " (and derived ones for the paper's validation rule)" : "")}, or a threshold of your own");
        return rules;
    }
}
