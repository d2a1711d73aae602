using Lineage.Fingerprints;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Tests.Fingerprints;

public class FingerprintCatalogTests(TrainedModelsFixture models) : IClassFixture<TrainedModelsFixture>
{
    /// <summary>Small settings for every registered method; a method added to the catalog must add its own here.</summary>
    static readonly Dictionary<string, Dictionary<string, string>> Small = new()
    {
        ["sac-m"] = new() { ["samples"] = "20" },
        ["sac-w"] = new() { ["samples"] = "20", ["surrogates"] = "1", ["surrogate_epochs"] = "1" },
        ["ipguard"] = new() { ["points"] = "12", ["max_steps"] = "60", ["margin"] = "3" },
        ["akh"] = new() { ["samples"] = "100" },
        ["cae"] = new() { ["candidates"] = "30", ["examples"] = "10", ["steps"] = "10", ["step_size"] = "0.03" },
        ["uap"] = new() { ["points"] = "10", ["views"] = "4", ["uap_images"] = "100", ["max_passes"] = "2", ["xi"] = "3", ["encoder_epochs"] = "50", ["held_out_references"] = "1" },
        ["metav"] = new() { ["samples"] = "20", ["steps"] = "60", ["hidden"] = "16", ["held_out_references"] = "1" },
        ["metafinger"] = new() { ["samples"] = "20", ["batch"] = "100", ["steps"] = "30", ["rounds"] = "5" },
        ["naturalfinger"] = new() { ["samples"] = "10", ["candidates"] = "40", ["steps"] = "30", ["rounds"] = "2" },
    };

    /// <summary>Every method but MetaFinger, whose screen on this fixture's chance-level kit models keeps no query (it
    /// then fails with the counts, as it should; MetaFingerMethodTests round-trips it on a kit whose screen passes), and
    /// NaturalFinger, which needs a GAN trained on the same data besides the kit (NaturalFingerTests trains one, makes a
    /// fingerprint end to end on the tiny kit, round-trips it, and covers the empty-screen failure).</summary>
    public static TheoryData<string> Methods() => [.. FingerprintCatalog.Names.Where(n => n is not ("metafinger" or "naturalfinger"))];

    [Fact]
    public void EveryMethodHasTestSettings() => Assert.Equal(FingerprintCatalog.Names.Order(), Small.Keys.Order());

    [Theory]
    [MemberData(nameof(Methods))]
    public void EveryMethodRoundTripsAndScoresTheSourceAsItsMostDerivedSuspect(string method)
    {
        var rule = new RuleOptions { IndependentModels = [TrainedModelsFixture.AsSuspect(models.Independent, "i1"), TrainedModelsFixture.AsSuspect(models.Independent2, "i2")] };
        var kit = FingerprintCatalog.Get(method).Info.Has(MethodNeeds.KitSurrogates) ? models.Kit : null;
        var fp = FingerprintCreation.Create(method, new CreationContext { Source = models.SourceModel, OwnerData = models.Defender, Seed = 5, Kit = kit }, Small[method], rule);
        var dir = Directory.CreateTempSubdirectory("lineage-catalog-");
        try
        {
            var path = Path.Combine(dir.FullName, method + ".fingerprint");
            FingerprintFile.Save(fp, path);
            var loaded = FingerprintFile.Load(path);
            Assert.Equal(Fingerprint.CurrentFormatVersion, loaded.FormatVersion);
            Assert.Equal(fp.Parameters, loaded.Parameters);
            Assert.Equal(fp.Artifacts.Keys.Order(), loaded.Artifacts.Keys.Order());
            var direction = FingerprintCatalog.Get(method).Info.Direction;
            double Score(Lineage.Models.ModelFile m, string name) => FingerprintVerifier.Verify(loaded, TrainedModelsFixture.AsSuspect(m, name)).Score;
            double own = direction.Orient(Score(models.Source, "source"));
            foreach (var (m, name) in new[] { (models.FineTuned, "copy"), (models.Independent, "i1"), (models.Independent2, "i2") })
                Assert.True(own >= direction.Orient(Score(m, name)), $"{method}: the source scores {own}, {name} {direction.Orient(Score(m, name))} (oriented)");
            Assert.True(FingerprintVerifier.Verify(loaded, TrainedModelsFixture.AsSuspect(models.Source, "source")).Stolen);
        }
        finally { dir.Delete(true); }
    }

    /// <summary>A method that learned from some of the kit's references would find them less like the source than fresh
    /// independent models; calibrating on them would understate the false-positive rate, so the kit calibrates only on
    /// the references the method left out.</summary>
    [Theory]
    [InlineData("cae")]
    [InlineData("uap")]
    [InlineData("metav")]
    public void KitMethodsCalibrateOnlyOnReferencesTheyDidNotLearnFrom(string method)
    {
        var fp = FingerprintCreation.Create(method, new CreationContext { Source = models.SourceModel, OwnerData = models.Defender, Seed = 5, Kit = models.Kit }, Small[method],
            new RuleOptions { Kit = models.Kit });
        string learned = method is "cae" or "metav" ? fp.Parameter("kit_training_references") : "";
        int used = method is "cae" or "metav" ? learned.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length : models.Kit.References.Count - int.Parse(fp.Parameter("held_out_references"));
        Assert.True(used > 0);
        Assert.All(fp.Rules, r => Assert.Equal(models.Kit.References.Count - used, r.NullScores.Count));
        Assert.Contains("kit references the method did not learn from", fp.Rule.Basis);
    }

    [Fact]
    public void AnUnknownMethodOrParameterFailsNamingTheValidOnes()
    {
        var method = Assert.Throws<ArgumentException>(() => FingerprintCatalog.Get("sac-z"));
        foreach (var name in FingerprintCatalog.Names) Assert.Contains(name, method.Message);
        var parameter = Assert.Throws<ArgumentException>(() => MethodParameters.Resolve(FingerprintCatalog.Get("sac-m").Info, new Dictionary<string, string> { ["sampels"] = "5" }));
        Assert.Contains("'sampels'", parameter.Message);
        Assert.Contains("samples, cutmix", parameter.Message);
    }

    [Theory]
    [InlineData("sac-m", "samples", "1", "an integer in [2, ∞]")]
    [InlineData("sac-m", "rbf_sigma2", "0", "a number in (0, ∞]")]
    [InlineData("sac-m", "cutmix", "square", "one of yun, corner")]
    [InlineData("ipguard", "lr", "2", "a number in (0, 1]")]
    [InlineData("sac-m", "transpose_flip", "maybe", "true or false")]
    public void AParameterOutOfBoundsFailsNamingItsBounds(string method, string name, string value, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => MethodParameters.Resolve(FingerprintCatalog.Get(method).Info, new Dictionary<string, string> { [name] = value }));
        Assert.Equal($"fingerprint method '{method}': parameter {name}={value} is not {expected}", e.Message);
    }

    [Fact]
    public void ParametersAreCanonicalAndFractionsAreEvaluated()
    {
        var p = MethodParameters.Resolve(FingerprintCatalog.Get("sac-m").Info, new Dictionary<string, string> { ["rbf_sigma2"] = "1/4", ["cutmix"] = "CORNER" });
        Assert.Equal("0.25", p.Text("rbf_sigma2"));
        Assert.Equal("corner", p.Text("cutmix"));
        Assert.Equal("100", p.Text("samples"));
    }

    [Fact]
    public void CommandLinePairsGoToTheirMethods()
    {
        var parsed = FingerprintCatalog.ParseParameters(["sac-m.samples=50", "ipguard.points=10", "max_steps=5"], "ipguard");
        Assert.Equal("50", parsed["sac-m"]["samples"]);
        Assert.Equal("10", parsed["ipguard"]["points"]);
        Assert.Equal("5", parsed["ipguard"]["max_steps"]);
        Assert.Throws<ArgumentException>(() => FingerprintCatalog.ParseParameters(["samples=50"]));
    }

    [Fact]
    public void AkhReadsLabelsAndGivesABinomialPValue()
    {
        var rule = new RuleOptions { IndependentModels = [TrainedModelsFixture.AsSuspect(models.Independent, "i1"), TrainedModelsFixture.AsSuspect(models.Independent2, "i2")] };
        var fp = FingerprintCreation.Create("akh", new CreationContext { Source = models.SourceModel, OwnerData = models.Defender, Seed = 1 }, Small["akh"], rule);
        int found = int.Parse(fp.Parameter("misclassified_found"));
        Assert.Equal(100, fp.QueryCount);
        Assert.Equal(Math.Max(0, 100 - found), int.Parse(fp.Parameter("cutmix_top_up")));
        var copy = FingerprintVerifier.Verify(fp, TrainedModelsFixture.AsSuspect(models.FineTuned, "copy", OutputMode.Label));
        var indep = FingerprintVerifier.Verify(fp, TrainedModelsFixture.AsSuspect(models.Independent2, "i2", OutputMode.Label));
        Assert.True(copy.Score > indep.Score, $"copy {copy.Score} vs independent {indep.Score}");
        Assert.StartsWith("binomial tail", copy.QueryPValueBasis);
        // the binomial tail at the nulls' (Laplace-smoothed) agreement rate
        double rate = (fp.Rule.NullScores.Sum() * 100 + 1) / (2 * 100 + 2.0);
        Assert.Equal(BinomialTail.Upper((int)Math.Round(copy.Score * 100), 100, rate), copy.QueryPValue!.Value, 12);
        Assert.True(copy.QueryPValue < indep.QueryPValue);
        Assert.True(copy.PValue < indep.PValue);
    }
}
