using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>
/// The verify path for a bundle: send each member's queries to the suspect (one metered suspect, so the budget covers
/// them all), judge each member as <see cref="FingerprintVerifier"/> does, and combine the members' calibrated p-values
/// into one (<see cref="PValueCombination"/>). A method that cannot read the suspect (a label-only API for a method that
/// needs probabilities) is listed with the reason, is sent no queries, and does not stop the others.
/// </summary>
public static class CombinedVerifier
{
    public static CombinedVerdict Verify(FingerprintBundle bundle, ISuspect suspect, CombineOptions options, long? queryBudget = null)
    {
        var metered = suspect as MeteredSuspect ?? new MeteredSuspect(suspect, queryBudget);
        var readable = bundle.Members.Select(m => CanRead(m.Fingerprint, suspect.Mode)).ToList();
        long needed = bundle.Members.Where((_, i) => readable[i]).Sum(m => (long)m.Fingerprint.QueryCount);
        if ((queryBudget ?? metered.Budget) is long budget && metered.QueriesSpent + needed > budget)
            throw new ArgumentException($"the bundle's methods that can read {suspect.Name} need {needed} queries, more than the budget of {budget} (--budget); raise it or bundle fewer fingerprints");
        var answers = new SuspectOutput?[bundle.Members.Count];
        var spent = new long[bundle.Members.Count];
        for (int i = 0; i < answers.Length; i++)
        {
            if (!readable[i]) continue;
            long before = metered.QueriesSpent;
            answers[i] = metered.Query(bundle.Members[i].Fingerprint.Queries);
            spent[i] = metered.QueriesSpent - before;
        }
        return Judge(bundle, answers, spent, suspect.Name, suspect.Mode, options);
    }

    /// <summary>Judges answers already collected (an evidence package re-checked offline). <paramref name="answers"/>
    /// holds one entry per member, null for a member whose queries were not sent.</summary>
    public static CombinedVerdict Judge(FingerprintBundle bundle, IReadOnlyList<SuspectOutput?> answers, IReadOnlyList<long> queries,
        string suspectName, OutputMode suspectMode, CombineOptions options)
    {
        if (answers.Count != bundle.Members.Count || queries.Count != bundle.Members.Count)
            throw new ArgumentException($"{answers.Count} answer sets for a bundle of {bundle.Members.Count} fingerprints");
        var parts = new List<MethodPart>();
        for (int i = 0; i < answers.Count; i++)
        {
            var member = bundle.Members[i];
            var part = new MethodPart { Member = member.Name, Method = member.Method, Answers = answers[i], Queries = queries[i] };
            if (answers[i] is not SuspectOutput a)
            {
                parts.Add(part with { NotRead = Unreadable(member.Fingerprint, suspectMode) });
                continue;
            }
            try
            {
                var verdict = FingerprintVerifier.Judge(member.Fingerprint, FingerprintCatalog.Get(member.Method), a, suspectName, queries[i]);
                parts.Add(part with { Verdict = verdict, NotRead = verdict.PValue is null ? "its threshold is not calibrated, so it gives no p-value to combine" : null });
            }
            catch (NotSupportedException e)
            {
                parts.Add(part with { NotRead = e.Message });
            }
        }
        double fpr = options.Fpr ?? DefaultFpr(bundle);
        if (!(fpr > 0 && fpr < 1)) throw new ArgumentException($"the false-positive rate to control must lie in (0, 1), got {fpr}");
        var pValues = parts.Where(p => p.Contributes).Select(p => p.Verdict!.PValue!.Value).ToList();
        double? combined = pValues.Count == 0 ? null : PValueCombination.Combine(options.Combiner, pValues);
        return new CombinedVerdict
        {
            Suspect = suspectName,
            Combiner = options.Combiner,
            Fpr = fpr,
            PValue = combined,
            Stolen = combined <= fpr,
            Basis = pValues.Count == 0 ? "no method gave a p-value for this suspect" : PValueCombination.Describe(options.Combiner, pValues.Count),
            Parts = parts,
            QueriesSpent = queries.Sum(),
            SuspectMode = suspectMode,
        };
    }

    /// <summary>A method reads a suspect whose answers are at least as rich as the poorest mode it declares.</summary>
    public static bool CanRead(Fingerprint fingerprint, OutputMode suspectMode)
        => (int)suspectMode <= (int)FingerprintCatalog.Get(fingerprint.Method).Info.Reads;

    static string Unreadable(Fingerprint fingerprint, OutputMode suspectMode)
        => $"{fingerprint.Method} needs at least {Describe(FingerprintCatalog.Get(fingerprint.Method).Info.Reads)}; the suspect answers {Describe(suspectMode)}";

    static string Describe(OutputMode mode) => mode switch
    {
        OutputMode.Logits => "logits",
        OutputMode.Probabilities => "probabilities",
        OutputMode.TopK => "top-k probabilities",
        _ => "labels only",
    };

    /// <summary>The smallest target FPR the members were calibrated for (the strictest promise), else 5 %.</summary>
    public static double DefaultFpr(FingerprintBundle bundle)
    {
        var targets = bundle.Members.SelectMany(m => m.Fingerprint.Rules).Select(r => r.TargetFpr).OfType<double>().ToList();
        return targets.Count == 0 ? 0.05 : targets.Min();
    }
}
