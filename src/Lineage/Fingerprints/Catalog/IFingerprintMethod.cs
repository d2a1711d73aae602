using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>A suspect's answers as a method scored them.</summary>
public sealed record ScoredAnswers(MethodScore Score, string Representation)
{
    public double Value => Score.Value;
}

/// <summary>
/// One fingerprinting method of the catalog: its declaration, and the three parts every method is made of (QuRD):
/// a query sampler (create, white-box), a reading of answers, and a score. Verification is a pure function of the
/// fingerprint and the answers, so answers can be cached, rescored, or checked against many fingerprints.
/// </summary>
public interface IFingerprintMethod
{
    MethodInfo Info { get; }
    string Name => Info.Name;

    SampledQueries Sample(CreationContext context, MethodParameters parameters);

    IReadOnlyList<OutputView> Views(Fingerprint fingerprint);

    ScoredAnswers Score(Fingerprint fingerprint, SuspectOutput answers);

    (double PValue, string Basis)? PValue(Fingerprint fingerprint, DecisionRule rule, MethodScore score);
}

/// <summary>An output mode a suspect may reveal (k for top-k).</summary>
public readonly record struct OutputView(OutputMode Mode, int K = 1)
{
    /// <summary>What a suspect in this view would answer, derived from a fuller answer.</summary>
    public SuspectOutput From(SuspectOutput full) => OutputReduction.Reveal(full, Mode, K);
}
