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
    /// <param name="sequential">When set, members whose scores are per-query agreements are verified by
    /// <see cref="SequentialTest"/> in rounds, each spending its share (FPR / K) of the false-positive rate and stopping as
    /// soon as it decides; the others get all their queries. The budget then bounds the sum of everything sent.</param>
    public static CombinedVerdict Verify(FingerprintBundle bundle, ISuspect suspect, CombineOptions options, long? queryBudget = null, SequentialOptions? sequential = null)
    {
        var metered = suspect as MeteredSuspect ?? new MeteredSuspect(suspect, queryBudget);
        var readable = bundle.Members.Select(m => CanRead(m.Fingerprint, suspect.Mode)).ToList();
        var stepwise = bundle.Members.Select((m, i) => sequential is not null && readable[i] && SequentialTest.Supports(m.Fingerprint)).ToList();
        long needed = bundle.Members.Where((_, i) => readable[i] && !stepwise[i]).Sum(m => (long)m.Fingerprint.QueryCount);
        long? budget = queryBudget ?? metered.Budget;
        long left = budget is long b0 ? b0 - metered.QueriesSpent : long.MaxValue;
        if (needed > left || stepwise.Any(x => x) && needed >= left)
            throw new ArgumentException($"the bundle's methods that can read {suspect.Name} need {needed}{(stepwise.Any(x => x) ? "+" : "")} queries, more than the budget of {budget} (--budget); raise it or bundle fewer fingerprints");
        double fpr = options.Fpr ?? DefaultFpr(bundle);
        RequireFpr(fpr);
        int contributing = readable.Count(r => r);
        var parts = new MethodPart[bundle.Members.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!readable[i] || stepwise[i]) continue;
            var member = bundle.Members[i];
            long before = metered.QueriesSpent;
            var answers = metered.Query(member.Fingerprint.Queries);
            parts[i] = JudgeMember(member, answers, metered.QueriesSpent - before, suspect.Name, suspect.Mode);
        }
        var sequentialMembers = Enumerable.Range(0, parts.Length).Where(i => stepwise[i]).ToList();
        for (int j = 0; j < sequentialMembers.Count; j++)
        {
            int i = sequentialMembers[j];
            var member = bundle.Members[i];
            long remaining = budget is long b ? b - metered.QueriesSpent : long.MaxValue;
            long share = remaining == long.MaxValue ? member.Fingerprint.QueryCount : remaining / (sequentialMembers.Count - j);
            var outcome = SequentialTest.Run(member.Fingerprint, metered, fpr / contributing, share, sequential!);
            parts[i] = new MethodPart
            {
                Member = member.Name, Method = member.Method, Verdict = outcome.Verdict, Answers = outcome.Answers, Rows = outcome.Rows,
                Queries = outcome.Verdict.QueriesSpent, Sequential = sequential, SequentialAlpha = fpr / contributing,
            };
        }
        for (int i = 0; i < parts.Length; i++)
            parts[i] ??= new MethodPart { Member = bundle.Members[i].Name, Method = bundle.Members[i].Method, NotRead = Unreadable(bundle.Members[i].Fingerprint, suspect.Mode) };
        return Combine(parts, suspect.Name, suspect.Mode, options.Combiner, fpr);
    }

    /// <summary>Judges answers already collected (an evidence package re-checked offline). <paramref name="answers"/>
    /// holds one entry per member, null for a member whose queries were not sent.</summary>
    /// <param name="judged">Parts already judged another way (a sequential test replayed), by member; null entries are judged here.</param>
    public static CombinedVerdict Judge(FingerprintBundle bundle, IReadOnlyList<SuspectOutput?> answers, IReadOnlyList<long> queries,
        string suspectName, OutputMode suspectMode, CombineOptions options, IReadOnlyList<MethodPart?>? judged = null)
    {
        if (answers.Count != bundle.Members.Count || queries.Count != bundle.Members.Count)
            throw new ArgumentException($"{answers.Count} answer sets for a bundle of {bundle.Members.Count} fingerprints");
        var parts = bundle.Members.Select((member, i) => judged?[i] is MethodPart done ? done : answers[i] is SuspectOutput a
            ? JudgeMember(member, a, queries[i], suspectName, suspectMode)
            : new MethodPart { Member = member.Name, Method = member.Method, NotRead = Unreadable(member.Fingerprint, suspectMode) }).ToList();
        double fpr = options.Fpr ?? DefaultFpr(bundle);
        RequireFpr(fpr);
        return Combine(parts, suspectName, suspectMode, options.Combiner, fpr);
    }

    static MethodPart JudgeMember(BundleMember member, SuspectOutput answers, long queries, string suspectName, OutputMode suspectMode)
    {
        var part = new MethodPart { Member = member.Name, Method = member.Method, Answers = answers, Queries = queries };
        try
        {
            var verdict = FingerprintVerifier.Judge(member.Fingerprint, FingerprintCatalog.Get(member.Method), answers, suspectName, queries);
            return part with { Verdict = verdict, NotRead = verdict.PValue is null ? "its threshold is not calibrated, so it gives no p-value to combine" : null };
        }
        catch (NotSupportedException e)
        {
            return part with { NotRead = e.Message };
        }
    }

    static CombinedVerdict Combine(IReadOnlyList<MethodPart> parts, string suspectName, OutputMode suspectMode, PValueCombiner combiner, double fpr)
    {
        var pValues = parts.Where(p => p.Contributes).Select(p => p.Verdict!.PValue!.Value).ToList();
        double? combined = pValues.Count == 0 ? null : PValueCombination.Combine(combiner, pValues);
        return new CombinedVerdict
        {
            Suspect = suspectName,
            Combiner = combiner,
            Fpr = fpr,
            PValue = combined,
            Stolen = combined <= fpr,
            Basis = pValues.Count == 0 ? "no method gave a p-value for this suspect" : PValueCombination.Describe(combiner, pValues.Count),
            Parts = parts,
            QueriesSpent = parts.Sum(p => p.Queries),
            SuspectMode = suspectMode,
        };
    }

    static void RequireFpr(double fpr)
    {
        if (!(fpr > 0 && fpr < 1)) throw new ArgumentException($"the false-positive rate to control must lie in (0, 1), got {fpr}");
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
