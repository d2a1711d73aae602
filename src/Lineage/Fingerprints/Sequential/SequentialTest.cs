using Lineage.Engine;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>Settings of the sequential test (`verify --sequential`).</summary>
public sealed record SequentialOptions
{
    /// <summary>Queries sent per round.</summary>
    public int RoundSize { get; init; } = 10;
    /// <summary>The accepted rate of clearing a derived model (stop as "independent" when the likelihood ratio falls to β).</summary>
    public double MissRate { get; init; } = 0.05;
    /// <summary>Seeds the random order in which the fingerprint's queries are sent.</summary>
    public int Seed { get; init; }
}

/// <summary>What a sequential test did for one fingerprint.</summary>
public sealed record SequentialOutcome(Verdict Verdict, SuspectOutput Answers, int[] Rows, string Decision, double NullRate, double AlternativeRate, int Rounds);

/// <summary>
/// A sequential test on per-query agreements x ∈ [0, 1] (label agreement, similarities), sent in rounds of queries in a
/// seeded random order. Its statistic is the likelihood ratio of Bernoulli(p₁) against Bernoulli(p₀),
/// L = Π (p₁/p₀)^x ((1−p₁)/(1−p₀))^(1−x), which is a nonnegative supermartingale for any model whose mean agreement is at
/// most p₀ (convexity in x), so by Ville's inequality P(L ever reaches 1/α) ≤ α: stopping as soon as it does keeps the
/// false-positive rate at α however often it is looked at (anytime-valid; Wald's SPRT boundary, made exact). Symmetrically
/// 1/L is a supermartingale for mean agreement at least p₁, so stopping as "independent" at L ≤ β clears a derived model
/// with probability at most β. min(1, 1 / max L) is an anytime-valid p-value. p₀ is the largest agreement among the
/// calibration's null models (Laplace-smoothed), so every reference model is covered; p₁ = (1 + p₀)/2.
/// Like the binomial p-value, it treats queries as independent given the model; the random order makes them exchangeable.
/// </summary>
public static class SequentialTest
{
    /// <summary>Whether a fingerprint's method scores per-query values in [0, 1] whose mean is the score, higher meaning
    /// stolen, with a calibrated rule — found by scoring two of the source's own answers.</summary>
    public static bool Supports(Fingerprint fp)
    {
        var method = FingerprintCatalog.Get(fp.Method);
        if (method.Info.Direction != ScoreDirection.HigherIsStolen || fp.QueryCount < 2 || !fp.Rule.IsCalibrated) return false;
        try
        {
            var sub = FingerprintSubset.Of(fp, [0, 1]);
            var s = method.Score(sub, sub.SourceOutput);
            return s.Score.PerQuery is { Count: 2 } v && v.All(x => x is >= 0 and <= 1) && Math.Abs(v.Average() - s.Value) < 1e-9
;
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException or InvalidDataException)
        {
            return false;
        }
    }

    /// <param name="alpha">The false-positive rate this fingerprint's decision may spend (the whole FPR, or its share in a bundle).</param>
    /// <param name="budget">The most queries this test may send.</param>
    public static SequentialOutcome Run(Fingerprint fp, ISuspect suspect, double alpha, long budget, SequentialOptions options)
    {
        Validate(alpha, options);
        var order = Enumerable.Range(0, fp.QueryCount).ToArray();
        new Random(options.Seed).Shuffle(order);
        int limit = (int)Math.Min(fp.QueryCount, Math.Max(0, budget));
        if (limit == 0) throw new ArgumentException($"a budget of {budget} queries leaves none for the {fp.Method} fingerprint");
        var parts = new List<SuspectOutput>();
        int sent = 0;
        return Walk(fp, order[..limit], alpha, options, suspect.Name, asked =>
        {
            parts.Add(suspect.Query(fp.Queries.IndexSelect(0, order[sent..asked])));
            sent = asked;
            return SuspectOutput.Concat(parts);
        });
    }

    /// <summary>Replays a sequential test on answers already collected (an evidence package checked offline): the same
    /// rounds over the same rows give the same statistic, decision and p-value.</summary>
    public static SequentialOutcome Replay(Fingerprint fp, int[] rows, SuspectOutput answers, string suspectName, double alpha, SequentialOptions options)
    {
        Validate(alpha, options);
        if (rows.Length == 0 || answers.Count != rows.Length) throw new ArgumentException($"{answers.Count} stored answers for {rows.Length} rows");
        return Walk(fp, rows, alpha, options, suspectName, asked => answers.Rows(Enumerable.Range(0, asked).ToArray()));
    }

    /// <summary>The rounds: after each, score the answers so far and stop when the likelihood ratio crosses a boundary.</summary>
    /// <param name="answersUpTo">The answers to the first n rows of <paramref name="rows"/> (querying the suspect as needed).</param>
    static SequentialOutcome Walk(Fingerprint fp, int[] rows, double alpha, SequentialOptions options, string suspectName, Func<int, SuspectOutput> answersUpTo)
    {
        var method = FingerprintCatalog.Get(fp.Method);
        int n = fp.QueryCount;
        double p0 = (fp.Rule.NullScores.Max() * n + 1) / (n + 2.0);
        double p1 = (1 + p0) / 2;
        double up = Math.Log(p1 / p0), down = Math.Log((1 - p1) / (1 - p0));
        double stolenAt = Math.Log(1 / alpha), clearedAt = Math.Log(options.MissRate);

        int asked = 0, rounds = 0;
        double maxLogL = 0;
        string decision = "undecided";
        ScoredAnswers? scored = null;
        SuspectOutput? answers = null;
        while (asked < rows.Length)
        {
            asked += Math.Min(options.RoundSize, rows.Length - asked);
            rounds++;
            answers = answersUpTo(asked);
            scored = method.Score(FingerprintSubset.Of(fp, rows[..asked]), answers);
            double logL = scored.Score.PerQuery!.Sum(x => x * up + (1 - x) * down);
            maxLogL = Math.Max(maxLogL, logL);
            if (logL >= stolenAt) { decision = "stolen"; break; }
            if (logL <= clearedAt) { decision = "independent"; break; }
        }
        var rule = fp.RuleFor(scored!.Representation);
        double p = Math.Min(1, Math.Exp(-maxLogL));
        var verdict = new Verdict
        {
            Method = fp.Method, Suspect = suspectName, Score = scored.Value, Threshold = rule.Threshold, Direction = rule.Direction,
            Stolen = decision == "stolen", PValue = p,
            PValueBasis = FormattableString.Invariant($"anytime-valid likelihood-ratio test (Ville) on {asked} of {n} queries in {rounds} round(s): agreement {scored.Value:0.###} against null rate p0 = {p0:0.###} and alternative p1 = {p1:0.###}; {decision}"),
            RuleBasis = FormattableString.Invariant($"sequential: stolen when the likelihood ratio reaches 1/{alpha:0.####}, independent when it falls to {options.MissRate:0.###}; else the fixed rule: {rule.Basis}"),
            GuaranteedFpr = alpha, QueriesSpent = asked, Representation = scored.Representation, PerQuery = scored.Score.PerQuery,
        };
        return new SequentialOutcome(verdict, answers!, rows[..asked], decision, p0, p1, rounds);
    }

    static void Validate(double alpha, SequentialOptions options)
    {
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentException($"the false-positive rate must lie in (0, 1), got {alpha}");
        if (!(options.MissRate > 0 && options.MissRate < 1)) throw new ArgumentException($"the miss rate must lie in (0, 1), got {options.MissRate}");
        if (options.RoundSize < 1) throw new ArgumentException("the round size must be positive");
    }
}
