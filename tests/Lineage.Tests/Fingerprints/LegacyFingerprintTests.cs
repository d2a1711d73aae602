using Lineage.Fingerprints;
using Lineage.Models;
using Lineage.Suspects;

namespace Lineage.Tests.Fingerprints;

/// <summary>Fingerprint files made before the catalog (format version 1) still load and give the scores they gave
/// then (Fixtures/legacy-fingerprints/README.md says how they were made).</summary>
public class LegacyFingerprintTests
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "legacy-fingerprints", name);

    static Verdict Verify(string fingerprint, string suspect, OutputMode mode)
    {
        var fp = FingerprintFile.Load(Fixture(fingerprint));
        return FingerprintVerifier.Verify(fp, ModelSuspect.Of(ModelFile.Load(Fixture(suspect)), suspect, mode));
    }

    [Theory]
    // the scores, thresholds and p-values commit d7621e7 printed for the same files
    [InlineData("sacm.fingerprint", "ftal.safetensors", OutputMode.Logits, 0.14821136435630045, 0.6884880604629592, true, 0.5)]
    [InlineData("sacm.fingerprint", "ftal.safetensors", OutputMode.Label, 0.00736649164219686, 0.1325968495595432, true, 0.5)]
    [InlineData("sacm.fingerprint", "indep.safetensors", OutputMode.Logits, 0.6884880604629593, 0.6884880604629592, false, 1.0)]
    [InlineData("sacm.fingerprint", "indep.safetensors", OutputMode.Label, 0.13259684955954323, 0.1325968495595432, false, 1.0)]
    [InlineData("ipguard.fingerprint", "ftal.safetensors", OutputMode.Logits, 1.0, 0.5, true, null)]
    [InlineData("ipguard.fingerprint", "indep.safetensors", OutputMode.Label, 0.0, 0.5, false, null)]
    public void OldFilesLoadAndScoreAsBefore(string fingerprint, string suspect, OutputMode mode, double score, double threshold, bool stolen, double? pValue)
    {
        var v = Verify(fingerprint, suspect, mode);
        Assert.Equal(score, v.Score, 12);
        Assert.Equal(threshold, v.Threshold, 12);
        Assert.Equal(stolen, v.Stolen);
        Assert.Equal(pValue, v.PValue);
        Assert.Equal(12, v.QueriesSpent);
    }

    [Fact]
    public void OldFilesKeepTheirVersionAndHaveNoArtifacts()
    {
        var fp = FingerprintFile.Load(Fixture("sacm.fingerprint"));
        Assert.Equal(1, fp.FormatVersion);
        Assert.Empty(fp.Artifacts);
        Assert.Null(fp.Rule.GuaranteedFpr);
        Assert.Equal(6, fp.Rules.Count);
    }
}
