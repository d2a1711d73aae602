using Lineage.Adversarial;
using Lineage.Engine;
using Lineage.Engine.IO;
using Lineage.Fingerprints.Uap;
using Lineage.Suspects;
using Lineage.Tests.Data;
using Xunit.Abstractions;

namespace Lineage.Tests.Fingerprints;

public class UapFingerprintTests(UapKitFixture kit, ITestOutputHelper output) : IClassFixture<UapKitFixture>
{
    [Fact]
    public void HeldOutSurrogateScoresAboveHeldOutReference()
    {
        var fp = kit.Created.Fingerprint;
        var surrogate = fp.Verify(UapKitFixture.Suspect(kit.HeldOutSurrogate, "held-out surrogate"));
        var reference = fp.Verify(UapKitFixture.Suspect(kit.HeldOutReference, "held-out reference"));
        output.WriteLine($"{kit.Created.Uap.Describe()}; surrogate {surrogate.Score:0.###} p {surrogate.PValue:0.###e0} {surrogate.Decision}; reference {reference.Score:0.###} p {reference.PValue:0.###} {reference.Decision}; refs {string.Join(" ", fp.ReferenceSimilarities[UapReading.Probabilities].Select(s => s.ToString("0.##")))}");
        output.WriteLine($"seconds: uap {kit.Created.Stats.UapSeconds:0.0} points {kit.Created.Stats.PointsSeconds:0.0} kit {kit.Created.Stats.KitSeconds:0.0} encoder {kit.Created.Stats.EncoderSeconds:0.0}");
        Assert.Equal(UapReading.Probabilities, surrogate.Reading);
        Assert.True(surrogate.Score > reference.Score, $"surrogate {surrogate.Score} should score above reference {reference.Score}");
        Assert.True(surrogate.PValue < reference.PValue);
        Assert.Equal(UapDecision.Stolen, surrogate.Decision);
        Assert.NotEqual(UapDecision.Stolen, reference.Decision);
        Assert.Equal(surrogate.Similarities.Average(), surrogate.Score, 12);
        Assert.Equal(UapKitFixture.Options.Views, surrogate.Similarities.Length);
    }

    [Theory]
    [InlineData(OutputMode.TopK, 5, "top3")]
    [InlineData(OutputMode.TopK, 2, "top2")]
    [InlineData(OutputMode.TopK, 1, "label")]
    [InlineData(OutputMode.Label, 1, "label")]
    public void TopKAndLabelSuspectsAreReadWithTheirOwnEncoder(OutputMode mode, int k, string reading)
    {
        var fp = kit.Created.Fingerprint;
        var surrogate = fp.Verify(UapKitFixture.Suspect(kit.HeldOutSurrogate, "surrogate", mode, k));
        var reference = fp.Verify(UapKitFixture.Suspect(kit.HeldOutReference, "reference", mode, k));
        output.WriteLine($"{reading}: surrogate {surrogate.Score:0.###} ({surrogate.Decision}), reference {reference.Score:0.###} ({reference.Decision})");
        Assert.Equal(reading, surrogate.Reading.Name);
        Assert.True(surrogate.Score > reference.Score, $"{reading}: surrogate {surrogate.Score} should score above reference {reference.Score}");
    }

    [Fact]
    public void TheSourceReadsAsItselfInEveryReading()
    {
        var fp = kit.Created.Fingerprint;
        var answers = SuspectOutput.FromLogits(kit.Source.LogitsOf(fp.Queries()), fp.QueryCount, fp.Classes);
        foreach (var r in fp.Readings)
            Assert.All(fp.Similarities(answers, r), s => Assert.Equal(1.0, s, 5));
    }

    [Fact]
    public void ResultHoldsThePointsViewsAndABoundedPerturbation()
    {
        var result = kit.Created;
        var o = UapKitFixture.Options;
        var fp = result.Fingerprint;
        Assert.Equal(o.Points, result.Points.Points.Length);
        Assert.Equal(o.Points, result.Points.Points.Distinct().Count());
        Assert.Equal(result.Points.Points, result.Points.Views[0]);
        Assert.Equal(o.Views, fp.Views);
        Assert.Equal([o.Points, 1, 28, 28], result.PointImages().Shape);
        Assert.Equal(kit.Owner.Gather(result.Points.Points).ToArray(), result.PointImages().ToArray());
        Assert.Equal(kit.Owner.Gather(result.Points.Views[3]).ToArray(), result.ViewImages(3).ToArray());
        Assert.Equal(2 * result.Points.Views.SelectMany(v => v).Distinct().Count(), fp.QueryCount);
        Assert.True(Math.Sqrt(fp.Perturbation.ToArray().Sum(v => (double)v * v)) <= o.Uap.Xi * (1 + 1e-5), "‖v‖₂ above ξ");
        Assert.Equal(result.Uap.FoolingRate, double.Parse(result.Parameters["fooling_rate"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(UapNullSample.LeaveOneOut, result.Stats.NullSample);
        Assert.Equal(3 * o.Views, fp.ReferenceSimilarities[UapReading.Probabilities].Length);
        Assert.Equal(2 * 10 * o.Points, fp.Length);
    }

    [Fact]
    public void RoundTripsThroughAFileWithItsEncoders()
    {
        var fp = kit.Created.Fingerprint;
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "uap.safetensors");
        SafeTensors.Save(path, fp.ToArtifacts());
        var back = UapFingerprint.FromArtifacts(SafeTensors.Load(path).Tensors);
        Assert.Equal(fp.Queries().ToArray(), back.Queries().ToArray());
        foreach (var mode in new[] { OutputMode.Probabilities, OutputMode.Label })
        {
            var suspect = UapKitFixture.Suspect(kit.HeldOutSurrogate, "s", mode);
            var before = fp.Verify(suspect); var after = back.Verify(suspect);
            Assert.Equal(before.Similarities, after.Similarities);
            Assert.Equal(before.PValue, after.PValue);
            Assert.Equal(before.Decision, after.Decision);
        }
    }

    [Fact]
    public void RefusesASuspectWithAnotherClassCount()
    {
        var fp = kit.Created.Fingerprint;
        int asked = 0;
        var five = new ModelSuspect("five-class", x => { asked++; return Tensor.Zeros(x.Shape[0], 5); }, 5);
        var e = Assert.Throws<NotSupportedException>(() => fp.Verify(five));
        Assert.Contains("5 classes", e.Message);
        Assert.Equal(0, asked);
    }

    [Fact]
    public void ScoresWithTheFirstViewsOnly()
    {
        var fp = kit.Created.Fingerprint;
        var answers = UapKitFixture.Suspect(kit.HeldOutSurrogate, "s").Query(fp.Queries());
        var few = fp.Score(answers, views: 3);
        var all = fp.Score(answers);
        Assert.Equal(all.Similarities[..3], few.Similarities);
        var references = fp.ReferenceSimilarities[UapReading.Probabilities];
        Assert.Equal(Lineage.Statistics.WelchTTest.Test(few.Similarities, references, Lineage.Statistics.TestAlternative.Greater).PValue, few.PValue, 12);
        Assert.Equal(Lineage.Statistics.WelchTTest.Test(few.Similarities, references, Lineage.Statistics.TestAlternative.Less).PValue, few.ReversePValue, 12);
        Assert.Throws<ArgumentException>(() => fp.Score(answers, views: 1));
    }

    [Fact]
    public void RejectsBadKitsAndSettings()
    {
        var s = new[] { UapKitFixture.Suspect(kit.Surrogates[0], "s") };
        var r = new[] { UapKitFixture.Suspect(kit.References[0], "r") };
        var o = UapKitFixture.Options;
        Assert.Contains("reference", Assert.Throws<ArgumentException>(() => UapFingerprinter.Create(kit.Source, kit.Owner, s, [], o)).Message);
        Assert.Contains("surrogate", Assert.Throws<ArgumentException>(() => UapFingerprinter.Create(kit.Source, kit.Owner, [], r, o)).Message);
        Assert.Contains("N = ", Assert.Throws<ArgumentException>(() => UapFingerprinter.Create(kit.Source, kit.Owner, s, r, o with { Points = kit.Owner.Count + 1 })).Message);
        Assert.Contains("ξ", Assert.Throws<ArgumentException>(() => UapFingerprinter.Create(kit.Source, kit.Owner, s, r, o with { Uap = o.Uap with { Xi = 0 } })).Message);
        Assert.Contains("δ", Assert.Throws<ArgumentException>(() => UapFingerprinter.Create(kit.Source, kit.Owner, s, r, o with { Uap = o.Uap with { Delta = 1.5 } })).Message);
        var labelOnly = new[] { UapKitFixture.Suspect(kit.References[0], "r", OutputMode.Label) };
        Assert.Contains("full outputs", Assert.Throws<ArgumentException>(() => UapFingerprinter.Create(kit.Source, kit.Owner, s, labelOnly, o)).Message);
    }
}
