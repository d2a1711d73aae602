using System.Text.Json.Serialization;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>How a bundle's verdicts become one: the combiner and the false-positive rate to control (null: the members' target).</summary>
public sealed record CombineOptions
{
    /// <summary>Bonferroni by default: valid whatever the dependence between methods, and with few methods it loses
    /// least when a single method carries the evidence (docs/verdict.md).</summary>
    public PValueCombiner Combiner { get; init; } = PValueCombiner.Bonferroni;
    public double? Fpr { get; init; }
}

/// <summary>One method's part in a combined verdict: its own verdict, or why it could not read this suspect.</summary>
public sealed record MethodPart
{
    /// <summary>The member's name in the bundle (its file name).</summary>
    public required string Member { get; init; }
    public required string Method { get; init; }
    public Verdict? Verdict { get; init; }
    /// <summary>Why the method could not read this suspect (e.g. it needs probabilities and the API answers labels); null when it did.</summary>
    public string? NotRead { get; init; }
    /// <summary>The suspect's answers to this member's queries (null when none were sent).</summary>
    [JsonIgnore] public SuspectOutput? Answers { get; init; }
    public long Queries { get; init; }
    /// <summary>The fingerprint's queries that were sent, in order, when a sequential test sent only some; null when all were.</summary>
    [JsonIgnore] public int[]? Rows { get; init; }
    /// <summary>The sequential test's settings and its share of the FPR, when this member was verified sequentially.</summary>
    [JsonIgnore] public SequentialOptions? Sequential { get; init; }
    public double? SequentialAlpha { get; init; }

    /// <summary>True when the method read the suspect and gave a p-value that enters the combination.</summary>
    public bool Contributes => Verdict?.PValue is not null;
}

/// <summary>The answer of a bundle for one suspect: one p-value combined from each method's, the FPR it controls,
/// each method's part, and the methods that could not read the suspect.</summary>
public sealed record CombinedVerdict
{
    public required string Suspect { get; init; }
    public required PValueCombiner Combiner { get; init; }
    /// <summary>The false-positive rate the decision controls: a suspect is judged stolen when the combined p-value is at most this.</summary>
    public required double Fpr { get; init; }
    /// <summary>The combined p-value; null when no method gave a p-value.</summary>
    public double? PValue { get; init; }
    public required bool Stolen { get; init; }
    /// <summary>The combination in words, and what it assumes.</summary>
    public required string Basis { get; init; }
    public required IReadOnlyList<MethodPart> Parts { get; init; }
    public required long QueriesSpent { get; init; }
    /// <summary>What the suspect was found (or declared) to answer with, for the record.</summary>
    public required OutputMode SuspectMode { get; init; }
    /// <summary>How the suspect's output mode was established (declared, or detected from an API's answer).</summary>
    public string? SuspectModeBasis { get; init; }
    /// <summary>Queries spent detecting the output format before verification (not in <see cref="QueriesSpent"/>).</summary>
    public long ProbeQueries { get; init; }

    public string Decision => Stolen ? "stolen" : PValue is null ? "undecided" : "independent";
    public IEnumerable<MethodPart> Unread => Parts.Where(p => p.NotRead is not null);
}
