using Lineage.Fingerprints;

namespace Lineage.Verification;

/// <summary>The JSON shape of a combined verdict (snake_case, stable for machines).</summary>
public static class CombinedVerdictJson
{
    public static object Of(CombinedVerdict c) => new
    {
        suspect = c.Suspect,
        verdict = c.Decision,
        stolen = c.Stolen,
        p_value = c.PValue,
        fpr = c.Fpr,
        combination = Lineage.Statistics.PValueCombination.Name(c.Combiner),
        combination_basis = c.Basis,
        valid_under_dependence = Lineage.Statistics.PValueCombination.ValidUnderDependence(c.Combiner),
        suspect_mode = c.SuspectMode.ToString().ToLowerInvariant(),
        suspect_mode_basis = c.SuspectModeBasis,
        probe_queries = c.ProbeQueries,
        queries = c.QueriesSpent,
        methods = c.Parts.Select(p => new
        {
            member = p.Member,
            method = p.Method,
            combined = p.Contributes,
            not_read = p.NotRead,
            queries = p.Queries,
            verdict = p.Verdict is null ? null : VerdictJson.Of(p.Verdict),
        }),
    };
}

/// <summary>The JSON shape of a verdict (snake_case, stable for machines).</summary>
public static class VerdictJson
{
    public static object Of(Verdict v) => new
    {
        suspect = v.Suspect,
        method = v.Method,
        score = v.Score,
        threshold = v.Threshold,
        direction = v.Direction == Lineage.Statistics.ScoreDirection.LowerIsStolen ? "lower_is_stolen" : "higher_is_stolen",
        verdict = v.Decision,
        stolen = v.Stolen,
        p_value = v.PValue,
        p_value_basis = v.PValueBasis,
        query_p_value = v.QueryPValue,
        query_p_value_basis = v.QueryPValueBasis,
        guaranteed_fpr = v.GuaranteedFpr,
        rule = v.RuleBasis,
        representation = v.Representation,
        queries = v.QueriesSpent,
    };
}
