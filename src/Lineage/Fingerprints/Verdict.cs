using Lineage.Statistics;

namespace Lineage.Fingerprints;

/// <summary>The answer for one suspect: its score, the rule applied, the decision, and what it cost.</summary>
public sealed record Verdict
{
    public required string Method { get; init; }
    public required string Suspect { get; init; }
    public required double Score { get; init; }
    public required double Threshold { get; init; }
    public required ScoreDirection Direction { get; init; }
    /// <summary>True when the suspect is judged derived from the source.</summary>
    public required bool Stolen { get; init; }
    /// <summary>The p-value against independent models (<see cref="NullModelPValue"/>: the chance a new independent
    /// model scores at least this stolen-looking); what combined verdicts combine. Null without calibration.</summary>
    public double? PValue { get; init; }
    /// <summary>What the p-value is (a Student-t prediction from the null models, or a rank among them), in words.</summary>
    public string? PValueBasis { get; init; }
    /// <summary>The method's own test over its queries (a binomial tail, a Welch t-test), where it has one. It treats
    /// the queries as the random draws, so it says how sure the score is for this suspect, not how often an
    /// independent model would score as high: it is reported, never used for a decision.</summary>
    public double? QueryPValue { get; init; }
    public string? QueryPValueBasis { get; init; }
    /// <summary>The false-positive rate the rule guarantees on independent models calibration never saw.</summary>
    public double? GuaranteedFpr { get; init; }
    /// <summary>Per-query values behind the score (agreements, similarities), where the method has them.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<double>? PerQuery { get; init; }
    public required string RuleBasis { get; init; }
    public required long QueriesSpent { get; init; }
    /// <summary>How the suspect's answers were read (e.g. "logits", "smoothed labels (SAC Eq. 5)").</summary>
    public required string Representation { get; init; }

    public string Decision => Stolen ? "stolen" : "independent";
}
