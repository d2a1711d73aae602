using System.Text.Json.Nodes;
using Lineage.Evaluation;
using Lineage.Fingerprints;
using Lineage.Kits;
using Lineage.Models;
using Lineage.Tests.Kits;
using Lineage.Tests.Zoo;
using Lineage.Zoo;

namespace Lineage.Tests.Evaluation;

/// <summary>Evaluation and fingerprint creation with the owner's kit: thresholds come from the kit's references, every
/// zoo independent is held out, and a kit that shares a model with the zoo is refused.</summary>
public sealed class KitEvaluationTests
{
    static readonly EvaluationOptions Options = new()
    {
        Methods = ["sac-m", "akh", "sac-w"],
        Parameters = new Dictionary<string, Dictionary<string, string>>
        {
            ["sac-m"] = new() { ["samples"] = "20" },
            ["akh"] = new() { ["samples"] = "20" },
            ["sac-w"] = new() { ["samples"] = "20", ["surrogates"] = "2" },
        },
    };

    [Fact]
    public void WithAKitEveryZooIndependentIsHeldOutAndTheKitCalibrates()
    {
        using var zooDir = new TinyZoo.TempDir();
        using var kitDir = new TinyZoo.TempDir();
        using var outDir = new TinyZoo.TempDir();
        var (zoo, sourcePath) = TinyKit.Source(zooDir.Path);
        KitBuilder.Build(sourcePath, kitDir.Path, TinyKit.Options());
        var kit = OwnerKit.Load(kitDir.Path);

        var result = ZooEvaluation.Run(zooDir.Path, outDir.Path, Options with { Kit = kitDir.Path });
        Assert.Equal(kit.References.Select(m => m.Id), result.CalibrationModels);
        Assert.Contains(kit.Hash[..12], result.Kit);
        int independents = zoo.Models.Count(m => m.Role == ZooManifestModel.IndependentRole);
        Assert.All(result.Methods, m => Assert.Equal(independents, m.HeldOutIndependents));
        // none of these methods learns from the references, so each calibrates on all of them
        Assert.All(result.Methods, m => Assert.Equal(kit.References.Count, m.CalibratedOn));
        Assert.DoesNotContain(result.Scores, s => s.UsedForCalibration);
        var sacW = result.Methods.Single(m => m.Method == "sac-w");
        Assert.Contains("kit references", sacW.ThresholdBasis);
        // three references cannot hold 5 %: the report states what the rule can guarantee
        Assert.Equal(0.25, sacW.GuaranteedFpr!.Value, 12);

        // SAC-w's surrogates were the kit's, not students distilled here
        var fp = Directory.GetFiles(Path.Combine(outDir.Path, "cache"), "fingerprint.safetensors", SearchOption.AllDirectories)
            .Select(FingerprintFile.Load).Single(f => f.Method == "sac-w");
        Assert.StartsWith("kit: ", fp.Parameter("surrogates_from"));
        Assert.Equal(kit.Hash, fp.Parameter("kit"));
    }

    [Fact]
    public void AKitThatSharesAModelWithTheZooIsRefused()
    {
        using var zooDir = new TinyZoo.TempDir();
        using var kitDir = new TinyZoo.TempDir();
        using var outDir = new TinyZoo.TempDir();
        var (zoo, sourcePath) = TinyKit.Source(zooDir.Path);
        KitBuilder.Build(sourcePath, kitDir.Path, TinyKit.Options());
        // the owner "reuses" a zoo independent as a kit reference
        var stolenFromZoo = zoo.Models.First(m => m.Role == ZooManifestModel.IndependentRole);
        File.Copy(zoo.PathOf(stolenFromZoo), Path.Combine(kitDir.Path, "reused.safetensors"));
        var manifestPath = Path.Combine(kitDir.Path, KitManifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var first = json["models"]!.AsArray()[0]!;
        first["hash"] = stolenFromZoo.Hash;
        first["file"] = "reused.safetensors";
        File.WriteAllText(manifestPath, json.ToJsonString());

        var e = Assert.Throws<ArgumentException>(() => ZooEvaluation.Run(zooDir.Path, outDir.Path, Options with { Kit = kitDir.Path }));
        Assert.Contains("shares 1 model(s) with the zoo", e.Message);
        Assert.Contains(stolenFromZoo.Id, e.Message);
        Assert.StartsWith(manifestPath, e.Message);
    }

    [Fact]
    public void FingerprintCreationRefusesAKitOfAnotherSource()
    {
        using var zooDir = new TinyZoo.TempDir();
        using var kitDir = new TinyZoo.TempDir();
        var (zoo, sourcePath) = TinyKit.Source(zooDir.Path);
        KitBuilder.Build(sourcePath, kitDir.Path, TinyKit.Options());
        var other = zoo.Models.First(m => m.Role == ZooManifestModel.IndependentRole);
        var owner = ZooEvaluation.OwnerData(zoo, null);
        var context = new CreationContext { Source = SourceModel.FromModelFile(ModelFile.Load(zoo.PathOf(other)), other.Id), OwnerData = owner, Kit = OwnerKit.Load(kitDir.Path) };
        var e = Assert.Throws<ArgumentException>(() => FingerprintCreation.Create("sac-m", context, new Dictionary<string, string> { ["samples"] = "10" }, new RuleOptions { Kit = context.Kit }));
        Assert.Contains("the kit was built for source", e.Message);
    }
}
