using Lineage.Fingerprints;
using Lineage.Tests.Data;

namespace Lineage.Tests.Fingerprints.Combined;

public class SequentialTestTests
{
    const int Queries = 80;
    static readonly LinearSuspect Source = LinearWorld.Source();
    static readonly Lazy<FingerprintBundle> Akh = new(() => Bundle(LinearWorld.Make("akh", Source, Queries, 1, LinearWorld.Nulls(30))));

    static FingerprintBundle Bundle(params Fingerprint[] fps) => new()
    {
        Members = fps.Select((fp, i) => new BundleMember($"{i}-{fp.Method}", "", fp)).ToList(),
    };

    [Fact]
    public void OnlyMethodsScoringPerQueryAgreementsAreSequential()
    {
        var nulls = LinearWorld.Nulls(10);
        Assert.True(SequentialTest.Supports(LinearWorld.Make("akh", Source, 10, 1, nulls)));
        Assert.True(SequentialTest.Supports(LinearWorld.Make("ipguard", Source, 10, 1, nulls)));
        Assert.False(SequentialTest.Supports(LinearWorld.Make("sac-m", Source, 10, 1, nulls)));   // a distance of matrices: no per-query values
    }

    [Fact]
    public void NeverExceedsTheBudgetAndDecidesClearCutSuspectsWithFewerQueriesThanTheFixedTest()
    {
        var bundle = Akh.Value;
        int clearCut = 0;
        long sequentialQueries = 0, fixedQueries = 0;
        for (int seed = 0; seed < 60; seed++)
        {
            var rng = new Random(seed);
            // a copy, an independent model, or something in between
            int kind = seed % 3;
            var suspect = kind switch
            {
                0 => LinearSuspect.Derived(Source, "copy", 0.02, seed),
                1 => LinearSuspect.Random("independent", 1000 + seed),
                _ => LinearSuspect.Derived(Source, "blurred", 0.6 + rng.NextDouble(), seed),
            };
            long budget = rng.Next(1, 2 * Queries);
            var options = new SequentialOptions { RoundSize = rng.Next(1, 16), Seed = seed };
            var verdict = CombinedVerifier.Verify(bundle, suspect, new CombineOptions(), budget, options);
            Assert.True(verdict.QueriesSpent <= budget, $"seed {seed}: {verdict.QueriesSpent} queries for a budget of {budget}");
            Assert.Equal(verdict.QueriesSpent, suspect.Asked);
            var part = verdict.Parts.Single();
            Assert.NotNull(part.Rows);

            if (kind == 2 || budget < Queries) continue;
            // clear-cut, with a budget the fixed test fits in: the same decision, for fewer queries
            clearCut++;
            var fresh = kind == 0 ? LinearSuspect.Derived(Source, "copy", 0.02, seed) : LinearSuspect.Random("independent", 1000 + seed);
            var fixedVerdict = CombinedVerifier.Verify(bundle, fresh, new CombineOptions(), budget);
            Assert.Equal(kind == 0, verdict.Stolen);
            Assert.Equal(fixedVerdict.Stolen, verdict.Stolen);
            Assert.Contains(kind == 0 ? "; stolen" : "; independent", part.Verdict!.PValueBasis);
            Assert.True(verdict.QueriesSpent < fixedVerdict.QueriesSpent, $"seed {seed}: sequential {verdict.QueriesSpent}, fixed {fixedVerdict.QueriesSpent}");
            sequentialQueries += verdict.QueriesSpent;
            fixedQueries += fixedVerdict.QueriesSpent;
        }
        Assert.True(clearCut >= 10, $"only {clearCut} clear-cut cases had a budget the fixed test fits in");
        Assert.True(sequentialQueries * 2 < fixedQueries, $"sequential spent {sequentialQueries}, fixed {fixedQueries}");
    }

    [Fact]
    public void InABundleTheSequentialMembersShareWhatTheOthersLeave()
    {
        var nulls = LinearWorld.Nulls(30);
        var bundle = Bundle(LinearWorld.Make("akh", Source, Queries, 1, nulls), LinearWorld.Make("sac-m", Source, 20, 3, nulls));
        var copy = LinearSuspect.Derived(Source, "copy", 0.02, 3);
        var verdict = CombinedVerifier.Verify(bundle, copy, new CombineOptions(), 50, new SequentialOptions { RoundSize = 5 });
        Assert.True(verdict.Stolen);
        Assert.Equal(20, verdict.Parts[1].Queries);                  // SAC-m: all its queries
        Assert.True(verdict.Parts[0].Queries is > 0 and <= 30);     // AKH: within what was left
        Assert.True(verdict.QueriesSpent <= 50);
        Assert.Contains("need 20+ queries", Assert.Throws<ArgumentException>(() =>
            CombinedVerifier.Verify(bundle, LinearSuspect.Random("x", 9), new CombineOptions(), 20, new SequentialOptions())).Message);
    }

    [Fact]
    public void ASequentialVerificationKeepsItsEvidenceAndReplaysOffline()
    {
        using var dir = new TempDir();
        var nulls = LinearWorld.Nulls(30);
        var akh = LinearWorld.Save(LinearWorld.Make("akh", Source, Queries, 1, nulls), dir.Path, "akh.fingerprint");
        var sac = LinearWorld.Save(LinearWorld.Make("sac-m", Source, 20, 3, nulls), dir.Path, "sac.fingerprint");
        var path = dir.File("both.bundle");
        var bundle = FingerprintBundle.Create([akh, sac], path);
        var verdict = CombinedVerifier.Verify(bundle, LinearSuspect.Derived(Source, "copy", 0.02, 1), new CombineOptions(), null, new SequentialOptions { RoundSize = 4, Seed = 3 });
        Assert.True(verdict.Parts[0].Queries < Queries);
        var run = new Lineage.Evidence.EvidenceRun
        {
            FingerprintPath = path, Bundle = bundle, Verdict = verdict, CommandLine = "lineage verify --sequential", Started = DateTimeOffset.UtcNow, Finished = DateTimeOffset.UtcNow,
            Suspect = new Lineage.Evidence.SuspectRecord { Location = "copy", Mode = "logits", Classes = LinearWorld.Classes },
        };
        var ev = Lineage.Evidence.EvidenceWriter.Write(dir.File("ev"), run);
        var check = Lineage.Evidence.EvidenceCheck.Run(ev);
        Assert.True(check.Holds, string.Join("\n", check.Problems));
        Assert.Equal(verdict.PValue, check.Rescored!.PValue);
        Assert.Equal(verdict.Parts[0].Queries, check.Document!.Members[0].Rows!.Count);
        Assert.Contains("anytime-valid", check.Rescored.Parts[0].Verdict!.PValueBasis);
    }
}
