using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>The verify path: send a fingerprint's queries to a suspect (black box, metered), score the
/// answers with the fingerprint's method, and apply its decision rule.</summary>
public static class FingerprintVerifier
{
    public static Verdict Verify(Fingerprint fingerprint, ISuspect suspect, long? queryBudget = null)
    {
        var method = FingerprintCatalog.Get(fingerprint.Method);
        var metered = suspect as MeteredSuspect ?? new MeteredSuspect(suspect, queryBudget);
        long before = metered.QueriesSpent;
        var answers = metered.Query(fingerprint.Queries);
        return Judge(fingerprint, method, answers, suspect.Name, metered.QueriesSpent - before);
    }

    /// <summary>Scores answers already collected (cached, or gathered by another tool).</summary>
    public static Verdict Judge(Fingerprint fingerprint, IFingerprintMethod method, SuspectOutput answers, string suspectName, long queriesSpent)
    {
        var scored = method.Score(fingerprint, answers);
        var rule = fingerprint.RuleFor(scored.Representation);
        double score = scored.Value;
        var own = method.PValue(fingerprint, rule, scored.Score);
        var models = rule.ModelPValue(score);
        return new Verdict
        {
            Method = fingerprint.Method,
            Suspect = suspectName,
            Score = score,
            Threshold = rule.Threshold,
            Direction = rule.Direction,
            Stolen = rule.IsFlagged(score),
            PValue = models?.PValue,
            PValueBasis = models?.Basis,
            QueryPValue = own?.PValue,
            QueryPValueBasis = own?.Basis,
            RuleBasis = rule.Basis,
            GuaranteedFpr = rule.GuaranteedFpr,
            QueriesSpent = queriesSpent,
            Representation = scored.Representation,
            PerQuery = scored.Score.PerQuery,
        };
    }
}
