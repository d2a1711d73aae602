using Lineage.Attacks;
using Lineage.Data;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Models.Training;

namespace Lineage.Tests.Attacks;

[Collection("attacks")]
public class AttackTests(AttackFixture f)
{
    const double Chance = 0.1;

    static Dictionary<string, string> P(params string[] pairs) => AttackCatalog.ParseParameters(pairs);

    void AssertDerived(ModelFile result, string step, double minAccuracy = Chance + 0.1)
    {
        Assert.Equal(step, result.Lineage.Step);
        Assert.Equal(f.SourceHash, result.Lineage.ParentHash);
        Assert.Equal(f.SourceHash, f.Source.Hash);
        Assert.True(result.TestAccuracy > minAccuracy, $"{step}: test accuracy {result.TestAccuracy:P1} (source {f.Source.TestAccuracy:P1})");
    }

    [Fact]
    public void SourceIsWellAboveChance() => Assert.True(f.Source.TestAccuracy > 0.4, $"source accuracy {f.Source.TestAccuracy:P1}");

    [Fact]
    public void FtllChangesOnlyTheLastLayer()
    {
        var result = AttackCatalog.Create("ftll", P("epochs=1")).Run(f.Source, f.Context());
        AssertDerived(result, "ftll");
        var before = f.Source.Model.StateDict();
        string head = f.Source.Model.HeadPath + ".";
        foreach (var (name, t) in result.Model.StateDict())
            if (name.StartsWith(head, StringComparison.Ordinal)) Assert.NotEqual(before[name].ToArray(), t.ToArray());
            else Assert.Equal(before[name].ToArray(), t.ToArray());
        Assert.Equal(f.Thief.Count.ToString(), result.Lineage.Parameters["queries"]);
    }

    [Theory]
    [InlineData("global")]
    [InlineData("layer")]
    public void PruningReachesTheRateAndKeepsItThroughFineTuning(string scope)
    {
        var result = AttackCatalog.Create("prune", P("rate=0.6", "scope=" + scope, "epochs=1")).Run(f.Source, f.Context());
        AssertDerived(result, "prune");
        var weights = PruneAttack.PrunableWeights(result.Model).Select(p => p.Tensor.ToArray()).ToList();
        double zeros = weights.Sum(w => w.Count(v => v == 0)), total = weights.Sum(w => w.Length);
        // the attack prunes floor(rate · n) weights over all layers (global) or in each layer
        if (scope == "global") Assert.True(zeros >= Math.Floor(0.6 * total), $"sparsity {zeros / total:P2}");
        else foreach (var w in weights) Assert.True(w.Count(v => v == 0) >= Math.Floor(0.6 * w.Length), $"layer sparsity {w.Count(v => v == 0)} of {w.Length}");
        Assert.True(zeros / total > 0.59, $"sparsity {zeros / total:P2}");
        Assert.True(double.Parse(result.Lineage.Parameters["sparsity"], System.Globalization.CultureInfo.InvariantCulture) > 0.59);
        // fine-tuning moved the surviving weights
        Assert.NotEqual(f.Source.Model.StateDict()[f.Source.Model.HeadPath + ".bias"].ToArray(), result.Model.StateDict()[f.Source.Model.HeadPath + ".bias"].ToArray());
    }

    [Fact]
    public void FinePruningZeroesTheChosenChannels()
    {
        var result = AttackCatalog.Create("fine-prune", P("rate=0.5", "epochs=1")).Run(f.Source, f.Context());
        AssertDerived(result, "fine-prune");
        var conv = (Lineage.Engine.Nn.Conv2d)result.Model.GetModule(result.Model.LastConvPath!);
        var pruned = result.Lineage.Parameters["pruned_channels"].Split(',').Select(int.Parse).ToArray();
        Assert.Equal(conv.OutChannels / 2, pruned.Length);
        var w = conv.Weight.ToArray(); var b = conv.Bias!.ToArray();
        int per = w.Length / conv.OutChannels;
        for (int c = 0; c < conv.OutChannels; c++)
        {
            bool isPruned = pruned.Contains(c);
            Assert.Equal(isPruned, w.Skip(c * per).Take(per).All(v => v == 0));
            if (isPruned) Assert.Equal(0f, b[c]);
        }
    }

    /// <summary>Fine-Pruning ranks a ResNet's channels through a recorder in place of the last block's bn2: the block
    /// runs a child that is no longer a batch norm as itself (it once cast it and failed).</summary>
    [Fact]
    public void FinePruningRunsOnAResNet()
    {
        var options = new TrainingOptions { Epochs = 1, BatchSize = 64, LearningRate = 0.05, Seed = 2 };
        var source = TrainingJob.Run(f.Data, DataPart.Defender, splitSeed: 1, "resnet20", 0.25f, options).Model;
        var result = AttackCatalog.Create("fine-prune", P("rate=0.5", "epochs=0")).Run(source, f.Context());
        Assert.Equal("layer3.2.conv2", result.Lineage.Parameters["layer"]);
        var conv = (Lineage.Engine.Nn.Conv2d)result.Model.GetModule("layer3.2.conv2");
        var pruned = result.Lineage.Parameters["pruned_channels"].Split(',').Select(int.Parse).ToArray();
        Assert.Equal(conv.OutChannels / 2, pruned.Length);
        int per = conv.Weight.Size / conv.OutChannels;
        foreach (int c in pruned) Assert.All(conv.Weight.ToArray().Skip(c * per).Take(per), v => Assert.Equal(0f, v));
        Assert.IsType<Lineage.Engine.Nn.BatchNorm2d>(result.Model.GetModule("layer3.2.bn2"));
    }

    [Fact]
    public void ExtractLabelsQueriesOnlyAndCountsEveryQuery()
    {
        var before = f.Source.Model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
        var result = AttackCatalog.Create("extract-l", P("epochs=8")).Run(f.Source, f.Context());
        AssertDerived(result, "extract-l");
        Assert.Equal(f.SourceHash, f.Source.Hash);
        foreach (var (name, t) in f.Source.Model.StateDict()) Assert.Equal(before[name], t.ToArray());
        Assert.Equal(f.Thief.Count.ToString(), result.Lineage.Parameters["queries"]);
        Assert.Equal(f.Source.Spec.Name, result.Spec.Name);
    }

    [Fact]
    public void PapernotQueriesTheSeedSetAndEachAugmentation()
    {
        var result = AttackCatalog.Create("papernot", P("seed_size=100", "rounds=3", "epochs=3")).Run(f.Source, f.Context());
        AssertDerived(result, "papernot", minAccuracy: Chance);
        Assert.Equal((100 * 4).ToString(), result.Lineage.Parameters["queries"]);
        Assert.Equal("400", result.Lineage.Parameters["substitute_set"]);
    }

    [Theory]
    [InlineData("tensor")]
    [InlineData("channel")]
    public void QuantisedWeightsLieOnTheInt8Grid(string granularity)
    {
        var result = AttackCatalog.Create("quantize", P("granularity=" + granularity)).Run(f.Source, f.Context());
        AssertDerived(result, "quantize", minAccuracy: f.Source.TestAccuracy!.Value - 0.05);
        Assert.Equal(f.Source.TrainedOn, result.TrainedOn);
        foreach (var (_, t) in PruneAttack.PrunableWeights(result.Model))
        {
            var w = t.ToArray();
            int groups = granularity == "channel" ? t.Shape[0] : 1, per = w.Length / groups;
            for (int g = 0; g < groups; g++)
            {
                var group = w.Skip(g * per).Take(per).ToArray();
                float scale = group.Max(MathF.Abs) / 127f;
                if (scale == 0) continue;
                foreach (var v in group)
                {
                    float q = v / scale;
                    Assert.True(MathF.Abs(q - MathF.Round(q)) < 1e-3f && MathF.Abs(q) <= 127.001f, $"{v} is not on the grid of scale {scale}");
                }
            }
        }
    }

    [Theory]
    [InlineData("transfer-l")]
    [InlineData("transfer-a")]
    public void TransferHasTheNewClassCount(string name)
    {
        var result = AttackCatalog.Create(name, P("epochs=2")).Run(f.Source, f.Context());
        Assert.Equal(4, result.Spec.Classes);
        Assert.Equal(4, result.Model.Head.OutFeatures);
        Assert.Equal(10, f.Source.Spec.Classes);
        Assert.Equal(f.SourceHash, result.Lineage.ParentHash);
        Assert.True(result.TestAccuracy > 0.3, $"{name}: accuracy {result.TestAccuracy:P1} on 4 super-classes");
        if (name == "transfer-l")
            Assert.Equal(f.Source.Model.StateDict()["features.0.weight"].ToArray(), result.Model.StateDict()["features.0.weight"].ToArray());
    }

    [Fact]
    public void TransferToTheFirstClassesOfATransferSet()
    {
        var other = DatasetCatalog.Load("shapes", new DatasetLoadOptions { TrainCount = 600, TestCount = 200, Seed = 8 });
        var result = AttackCatalog.Create("transfer-a", P("target=transfer-set", "classes=5", "epochs=1"))
            .Run(f.Source, f.Context(transfer: other.Train, transferTest: other.Test));
        Assert.Equal(5, result.Spec.Classes);
        Assert.Contains("classes=0,1,2,3,4", result.TrainedOn);
    }

    [Fact]
    public void AdversarialExtractionIsMoreRobustThanLabelExtraction()
    {
        // Both sides trained and attacked at ε = 8/256 (SAC's 4/256 left the difference within noise on this small
        // shapes source; 16/256 and above make adversarial training collapse to chance). Fixed seeds.
        var plain = AttackCatalog.Create("extract-l", P("epochs=8")).Run(f.Source, f.Context());
        var robust = AttackCatalog.Create("extract-adv", P("epochs=8", "adv_epochs=6", "epsilon=8/256", "step=2/256", "steps=7", "lr=0.02")).Run(f.Source, f.Context());
        AssertDerived(robust, "extract-adv");
        double plainAcc = f.AccuracyUnderPgd(plain, 300, 8f / 256, 2f / 256, 7), robustAcc = f.AccuracyUnderPgd(robust, 300, 8f / 256, 2f / 256, 7);
        Assert.True(robustAcc > plainAcc + 0.03, $"accuracy under PGD: extract-adv {robustAcc:P1}, extract-l {plainAcc:P1}");
    }

    [Fact]
    public void EnsembleSavesAndLoadsAsOneModel()
    {
        var result = AttackCatalog.Create("ensemble", P("n=2", "epochs=2")).Run(f.Source, f.Context());
        AssertDerived(result, "ensemble", minAccuracy: Chance);
        var ensemble = Assert.IsType<EnsembleClassifier>(result.Model);
        Assert.Equal(2, ensemble.Members.Count);
        var path = Path.Combine(Path.GetTempPath(), $"lineage-ensemble-{Guid.NewGuid():N}.safetensors");
        try
        {
            result.Save(path);
            var loaded = ModelFile.Load(path);
            Assert.Equal(result.Hash, loaded.Hash);
            Assert.Equal(EnsembleClassifier.ArchitectureName, loaded.Spec.Name);
            var images = f.Data.Test.Subset(Enumerable.Range(0, 20).ToArray()).AsTensor();
            using (Lineage.Engine.GradMode.NoGrad())
                Assert.Equal(result.Logits(images).ToArray(), loaded.Logits(images).ToArray());
            Assert.Equal(result.TestAccuracy, loaded.TestAccuracy);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void NoiseAndTrueLabelParametersAreRecorded()
    {
        var noisy = AttackCatalog.Create("noise", P("lambda=0.3", "epochs=4")).Run(f.Source, f.Context());
        AssertDerived(noisy, "noise", minAccuracy: Chance);
        Assert.Equal("0.3", noisy.Lineage.Parameters["lambda"]);
        Assert.Contains("lambda=0.3", noisy.Lineage.Chain);

        var mixed = AttackCatalog.Create("true-labels", P("rho=0.25", "epochs=4")).Run(f.Source, f.Context());
        AssertDerived(mixed, "true-labels", minAccuracy: Chance);
        int known = (int)Math.Round(0.25 * f.Thief.Count);
        Assert.Equal("0.25", mixed.Lineage.Parameters["rho"]);
        Assert.Equal(known.ToString(), mixed.Lineage.Parameters["true_labels"]);
        Assert.Equal((f.Thief.Count - known).ToString(), mixed.Lineage.Parameters["queries"]);
    }

    [Theory]
    [InlineData("ftal")]
    [InlineData("rtll")]
    [InlineData("rtal")]
    [InlineData("weight-noise")]
    [InlineData("extract-p")]
    [InlineData("retraining")]
    [InlineData("jagielski")]
    [InlineData("adv-train")]
    public void AttackBeatsChanceAndRecordsItsLineage(string name)
    {
        // students trained from scratch need more epochs; Eq. 9's T = 20 KL term and Eq. 4's flat soft labels give
        // small gradients, hence the larger learning rate for those two
        var parameters = name switch
        {
            "adv-train" => P("epochs=1", "steps=2"),
            "ftal" or "rtll" or "rtal" or "weight-noise" => P("epochs=1"),
            "extract-p" or "jagielski" => P("epochs=8", "lr=0.3"),
            _ => P("epochs=8"),
        };
        var attack = AttackCatalog.Create(name, parameters);
        var result = attack.Run(f.Source, f.Context());
        AssertDerived(result, name);
        foreach (var (k, v) in attack.Parameters) Assert.Equal(v, result.Lineage.Parameters[k]);
        Assert.Equal(5, result.Lineage.Seed);
        Assert.Equal(f.Thief.Origin.Description, result.TrainedOn);
    }

    [Fact]
    public void KnockoffQueriesARandomSelectionOfTheTransferSet()
    {
        var other = DatasetCatalog.Load("shapes", new DatasetLoadOptions { TrainCount = 800, TestCount = 10, Seed = 21 });
        var result = AttackCatalog.Create("knockoff", P("samples=500", "epochs=8", "lr=0.1")).Run(f.Source, f.Context(transfer: other.Train));
        AssertDerived(result, "knockoff");
        Assert.Equal("500", result.Lineage.Parameters["queries"]);
        Assert.Throws<ArgumentException>(() => AttackCatalog.Create("knockoff").Run(f.Source, f.Context()));
    }

    [Fact]
    public void IndependentModelHasNoParent()
    {
        var result = AttackCatalog.Create("independent", P("epochs=8")).Run(f.Source, f.Context());
        Assert.Equal("train", result.Lineage.Step);
        Assert.Null(result.Lineage.ParentHash);
        Assert.True(result.TestAccuracy > Chance + 0.1, $"accuracy {result.TestAccuracy:P1}");
    }
}

public class AttackCatalogTests
{
    [Fact]
    public void UnknownAttackListsEveryAttack()
    {
        var e = Assert.Throws<ArgumentException>(() => AttackCatalog.Create("steal-it"));
        Assert.Contains("steal-it", e.Message);
        foreach (var name in AttackCatalog.Names) Assert.Contains(name, e.Message);
    }

    [Fact]
    public void UnknownParameterListsTheAttacksParameters()
    {
        var e = Assert.Throws<ArgumentException>(() => AttackCatalog.Create("extract-p", new Dictionary<string, string> { ["temp"] = "4" }));
        Assert.Contains("extract-p", e.Message);
        Assert.Contains("'temp'", e.Message);
        foreach (var p in ExtractProbabilitiesAttack.Declared) Assert.Contains(p.Name, e.Message);
    }

    [Fact]
    public void BadValuesFailBeforeTraining()
    {
        Assert.Contains("fgsm, pgd", Assert.Throws<ArgumentException>(() => AttackCatalog.Create("adv-train", new Dictionary<string, string> { ["method"] = "cw" })).Message);
        Assert.Contains("rate", Assert.Throws<ArgumentException>(() => AttackCatalog.Create("fine-prune", new Dictionary<string, string> { ["rate"] = "0.9" })).Message);
        Assert.Contains("epochs", Assert.Throws<ArgumentException>(() => AttackCatalog.Create("ftal", new Dictionary<string, string> { ["epochs"] = "ten" })).Message);
        Assert.Contains("resnet18", Assert.Throws<ArgumentException>(() => AttackCatalog.Create("extract-l", new Dictionary<string, string> { ["arch"] = "alexnet" })).Message);
        Assert.Throws<ArgumentException>(() => AttackCatalog.ParseParameters(["novalue"]));
    }

    [Fact]
    public void DefaultsFollowThePapers()
    {
        var p = AttackCatalog.Create("extract-p").Parameters;
        Assert.Equal("20", p["temperature"]);
        Assert.Equal("0.9", p["alpha"]);
        var adv = AttackCatalog.Create("extract-adv").Parameters;
        Assert.Equal(("4/256", "1/256", "30"), (adv["epsilon"], adv["step"], adv["steps"]));
        Assert.Equal("1", AttackCatalog.Create("retraining").Parameters["temperature"]);
        Assert.Equal("0.1", AttackCatalog.Create("papernot").Parameters["lambda"]);
        Assert.Equal("3", AttackCatalog.Create("ensemble").Parameters["n"]);
        Assert.All(AttackCatalog.All, a => Assert.Equal(a.Name, AttackCatalog.Create(a.Name).Name));
    }
}
