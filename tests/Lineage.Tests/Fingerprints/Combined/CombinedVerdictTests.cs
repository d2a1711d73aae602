using Lineage.Fingerprints;
using Lineage.Statistics;
using Lineage.Suspects;
using Lineage.Tests.Data;

namespace Lineage.Tests.Fingerprints.Combined;

public class CombinedVerdictTests
{
    static (string Bundle, string Dir) MakeBundle(TempDir dir, int nulls = 39)
    {
        var source = LinearWorld.Source();
        var nullModels = LinearWorld.Nulls(nulls);
        var akh = LinearWorld.Save(LinearWorld.Make("akh", source, 40, 1, nullModels), dir.Path, "akh.fingerprint");
        var ipguard = LinearWorld.Save(LinearWorld.Make("ipguard", source, 30, 2, nullModels), dir.Path, "ipguard.fingerprint");
        // SAC-m calibrated for logits only: a label-only suspect is a view it has no threshold for
        var sac = LinearWorld.Save(LinearWorld.Make("sac-m", source, 20, 3, nullModels, views: ["logits"]), dir.Path, "sac.fingerprint");
        var bundle = Path.Combine(dir.Path, "all.bundle");
        FingerprintBundle.Create([akh, ipguard, sac], bundle);
        return (bundle, dir.Path);
    }

    [Fact]
    public void ABundleRoundTripsAndJudgesACopyStolenAndAnIndependentModelNot()
    {
        using var dir = new TempDir();
        var (path, _) = MakeBundle(dir);
        Assert.True(FingerprintBundle.IsBundle(path));
        var bundle = FingerprintBundle.Open(path);
        Assert.Equal(["akh", "ipguard", "sac-m"], bundle.Members.Select(m => m.Method));

        var source = LinearWorld.Source();
        var copy = LinearSuspect.Derived(source, "copy", 0.02, 7);
        var stolen = CombinedVerifier.Verify(bundle, copy, new CombineOptions(), queryBudget: 90);
        Assert.True(stolen.Stolen, $"combined p {stolen.PValue}");
        Assert.Equal(90, stolen.QueriesSpent);
        Assert.Equal(90, copy.Asked);
        Assert.Equal(3, stolen.Parts.Count(p => p.Contributes));
        Assert.Equal(0.05, stolen.Fpr);
        // Bonferroni: 3 × the smallest member p-value
        Assert.Equal(Math.Min(1, 3 * stolen.Parts.Min(p => p.Verdict!.PValue!.Value)), stolen.PValue!.Value, 12);

        var other = CombinedVerifier.Verify(bundle, LinearSuspect.Random("independent", 999), new CombineOptions { Combiner = PValueCombiner.HarmonicMean });
        Assert.False(other.Stolen, $"combined p {other.PValue}");
        Assert.Contains("harmonic mean", other.Basis);
    }

    [Fact]
    public void AMethodThatCannotReadTheSuspectIsListedNotFatal()
    {
        using var dir = new TempDir();
        var bundle = FingerprintBundle.Open(MakeBundle(dir).Bundle);
        var labelsOnly = LinearSuspect.Derived(LinearWorld.Source(), "label-api", 0.02, 7, OutputMode.Label);
        var verdict = CombinedVerifier.Verify(bundle, labelsOnly, new CombineOptions { Combiner = PValueCombiner.Fisher });
        var unread = Assert.Single(verdict.Unread);
        Assert.Equal("sac-m", unread.Method);
        Assert.Contains("smoothed labels", unread.NotRead);
        Assert.Equal(2, verdict.Parts.Count(p => p.Contributes));
        Assert.True(verdict.Stolen);
        Assert.Contains("independent", verdict.Basis);   // Fisher says what it assumes
    }

    [Fact]
    public void TheBudgetCoversEveryMemberAndIsCheckedBeforeAnyQuery()
    {
        using var dir = new TempDir();
        var bundle = FingerprintBundle.Open(MakeBundle(dir).Bundle);
        var suspect = LinearSuspect.Random("s", 5);
        var e = Assert.Throws<ArgumentException>(() => CombinedVerifier.Verify(bundle, suspect, new CombineOptions(), queryBudget: 89));
        Assert.Contains("90 queries", e.Message);
        Assert.Equal(0, suspect.Asked);
    }

    [Fact]
    public void FingerprintsOfDifferentSourcesAreRefusedNamingTheFiles()
    {
        using var dir = new TempDir();
        var nulls = LinearWorld.Nulls(5);
        var a = LinearWorld.Save(LinearWorld.Make("akh", LinearWorld.Source(), 10, 1, nulls), dir.Path, "mine.fingerprint");
        var b = LinearWorld.Save(LinearWorld.Make("akh", LinearSuspect.Random("other", 2), 10, 1, nulls, sourceHash: "0123456789abcdef"), dir.Path, "theirs.fingerprint");
        var e = Assert.Throws<ArgumentException>(() => FingerprintBundle.Create([a, b], Path.Combine(dir.Path, "x.bundle")));
        Assert.Contains("mine.fingerprint", e.Message);
        Assert.Contains("theirs.fingerprint", e.Message);
        Assert.Contains("different source", e.Message);
        Assert.False(File.Exists(Path.Combine(dir.Path, "x.bundle")));
    }

    [Fact]
    public void AnEditedBundleIsRejected()
    {
        using var dir = new TempDir();
        var path = MakeBundle(dir, nulls: 5).Bundle;
        var bytes = File.ReadAllBytes(path);
        // flip a byte inside the first member's data (stored uncompressed), past the zip's local header
        int at = bytes.Length / 3;
        bytes[at] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var e = Assert.ThrowsAny<Exception>(() => FingerprintBundle.Open(path));
        Assert.True(e is InvalidDataException, e.ToString());
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void ASingleFingerprintOpensAsABundleOfOne()
    {
        using var dir = new TempDir();
        var fp = LinearWorld.Save(LinearWorld.Make("akh", LinearWorld.Source(), 10, 1, LinearWorld.Nulls(5)), dir.Path, "one.fingerprint");
        Assert.False(FingerprintBundle.IsBundle(fp));
        var bundle = FingerprintBundle.Open(fp);
        Assert.Equal("akh", Assert.Single(bundle.Members).Method);
    }
}
