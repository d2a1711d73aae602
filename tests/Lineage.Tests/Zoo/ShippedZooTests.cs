using Lineage.Models;
using Lineage.Models.Training;
using Lineage.Zoo;

namespace Lineage.Tests.Zoo;

/// <summary>The specs in zoos/: every one resolves (no data needed, so the Fashion-MNIST specs are checked on any
/// machine), fmnist-full covers the papers' categories, and shapes-ci — the zoo CI builds — really builds.</summary>
public sealed class ShippedZooTests
{
    static string ZoosDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Lineage.slnx"))) return Path.Combine(dir.FullName, "zoos");
        throw new DirectoryNotFoundException("repository root (Lineage.slnx) not found above " + AppContext.BaseDirectory);
    }

    static ZooPlan Load(string name) => ZooPlan.Create(ZooSpec.Load(Path.Combine(ZoosDir(), name)));

    [Theory]
    [InlineData("shapes-ci.json")]
    [InlineData("fmnist-ci.json")]
    [InlineData("fmnist-full.json")]
    public void ShippedSpecResolves(string name)
    {
        var plan = Load(name);
        Assert.Contains(plan.Entries, e => e.Role == ZooRole.Source);
        Assert.Contains(plan.Entries, e => e.Role == ZooRole.Stolen);
        Assert.Contains(plan.Entries, e => e.Role == ZooRole.Independent);
        // distinct recipes: no two declared models would share a cache file
        Assert.Equal(plan.Entries.Count, plan.Entries.Select(e => e.Final.RecipeHash).Distinct().Count());
    }

    [Fact]
    public void FullZooCoversThePapersCategoriesWithThreeSeedsEachAndTwentyIndependents()
    {
        var plan = Load("fmnist-full.json");
        string[] categories =
        [
            "Finetune-A", "Finetune-L", "Pruning", "Extract-L", "Extract-P", "Extract-Adv", "Transfer-A", "Transfer-L",
            "RTLL", "RTAL", "Adv-Train", "Ensemble", "Noise", "True-Labels", "Jagielski", "Knockoff", "Papernot", "Retraining",
            "Quantize", "Weight-Noise",
        ];
        foreach (var category in categories)
        {
            var stolen = plan.Entries.Where(e => e.Category == category).ToArray();
            Assert.True(stolen.Select(e => e.Final.Seed).Distinct().Count() >= 3, $"{category}: at least 3 seeds");
        }
        // one source (as in SAC's per-dataset tables); the thieves' students span several architectures
        var source = plan.Entries.Single(e => e.Role == ZooRole.Source);
        foreach (var category in new[] { "Extract-L", "Extract-P", "Extract-Adv", "Retraining", "Jagielski", "Knockoff", "Papernot", "Noise", "True-Labels" })
            Assert.True(plan.Entries.Where(e => e.Category == category).Select(e => e.Final.Architecture).Distinct().Count() >= 3,
                $"{category}: students of several architectures");
        var independents = plan.Entries.Where(e => e.Role == ZooRole.Independent).ToArray();
        Assert.True(independents.Length >= 20);
        Assert.True(independents.Select(e => e.Final.Architecture).Distinct().Count() >= 8);
        // mirrors (the source's architecture on the thief's data) and homologous models (the owner's data)
        Assert.True(independents.Count(e => e.Final.Architecture == source.Final.Architecture) >= 4);
        Assert.Contains(independents, e => e.Final.Train!.Part == DataPart.Defender);
    }

    [Fact]
    public void ShapesCiBuilds()
    {
        using var dir = new TinyZoo.TempDir();
        var result = ZooBuilder.Build(Load("shapes-ci.json"), dir.Path);
        Assert.Equal(8, result.Manifest.Models.Count);
        Assert.Equal(8, result.Built.Count);
        var source = result.Manifest.Models.Single(m => m.Role == "source");
        // trained well above the 10% chance level, so fingerprints have something to find
        Assert.True(source.TestAccuracy > 0.5, $"source test accuracy {source.TestAccuracy}");
        foreach (var m in result.Manifest.Models)
            Assert.Equal(m.Hash, ModelFile.Load(Path.Combine(dir.Path, m.File)).Hash);
    }
}
