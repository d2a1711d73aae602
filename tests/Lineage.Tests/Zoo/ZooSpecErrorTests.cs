using System.Text.Json.Nodes;
using Lineage.Zoo;

namespace Lineage.Tests.Zoo;

/// <summary>Every kind of bad spec fails in <see cref="ZooPlan.Create"/>, which loads no data and trains nothing,
/// with a message naming the entry and, where there is a list, the valid choices.</summary>
public sealed class ZooSpecErrorTests
{
    static JsonObject Spec() => JsonNode.Parse(TinyZoo.Json)!.AsObject();
    static JsonObject Model(JsonObject spec, string id) => spec["models"]!.AsArray().Select(m => m!.AsObject()).Single(m => (string)m["id"]! == id);
    static JsonObject Step(JsonObject spec, string id) => Model(spec, id)["chain"]![0]!.AsObject();

    static ZooSpecException Fails(JsonObject spec)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => ZooPlan.Create(ZooSpec.Parse(spec.ToJsonString())));
        return Assert.IsType<ZooSpecException>(error);
    }

    [Fact]
    public void UnknownArchitectureNamesTheEntryAndTheChoices()
    {
        var spec = Spec();
        Step(spec, "ind-b")["train"]!["arch"] = "resnet9000";
        var e = Fails(spec);
        Assert.Contains("model 'ind-b', step 1 (train)", e.Message);
        Assert.Contains("unknown architecture 'resnet9000'", e.Message);
        Assert.Contains("lenet5", e.Message);
    }

    [Fact]
    public void UnknownStudentArchitectureInAnAttackIsNamed()
    {
        var spec = Spec();
        Step(spec, "extract")["params"]!["arch"] = "vgg99";
        var e = Fails(spec);
        Assert.Contains("model 'extract', step 1 (extract-l)", e.Message);
        Assert.Contains("vgg99", e.Message);
        Assert.Contains("resnet20", e.Message);
    }

    [Fact]
    public void UnknownAttackListsTheAttacks()
    {
        var spec = Spec();
        Step(spec, "ftal")["attack"] = "steal-everything";
        var e = Fails(spec);
        Assert.Contains("model 'ftal', step 1 (steal-everything)", e.Message);
        Assert.Contains("extract-p", e.Message);
    }

    [Fact]
    public void UnknownAttackParameterListsTheValidOnes()
    {
        var spec = Spec();
        Step(spec, "ftal")["params"] = new JsonObject { ["temperature"] = 20 };
        var e = Fails(spec);
        Assert.Contains("model 'ftal', step 1 (ftal)", e.Message);
        Assert.Contains("no parameter 'temperature'", e.Message);
        Assert.Contains("labels", e.Message);
    }

    [Fact]
    public void BadParameterValueAndUnknownTrainKeyAreNamed()
    {
        var spec = Spec();
        Step(spec, "ftal")["params"] = new JsonObject { ["epochs"] = "many" };
        Assert.Contains("epochs=many", Fails(spec).Message);

        spec = Spec();
        Step(spec, "ind-a")["train"]!["learning_rate"] = 0.1;
        var e = Fails(spec);
        Assert.Contains("model 'ind-a'", e.Message);
        Assert.Contains("unknown train key 'learning_rate'", e.Message);
    }

    [Fact]
    public void UnknownDatasetAndUnknownSpecKeyFail()
    {
        var spec = Spec();
        spec["dataset"]!["name"] = "imagenet";
        var e = Fails(spec);
        Assert.Contains("dataset", e.Message);
        Assert.Contains("fashion-mnist", e.Message);

        spec = Spec();
        spec["modles"] = new JsonArray();
        Assert.Contains("modles", Fails(spec).Message);
    }

    [Fact]
    public void AnErrorFoundWhilePlanningNamesTheSpecFile()
    {
        // found by the zoo-spec fuzz harness: JSON errors named the file, errors found while planning did not
        var spec = Spec();
        Model(spec, "ftal")["role"] = "thief";
        var error = Assert.ThrowsAny<ArgumentException>(() => ZooPlan.Create(ZooSpec.Parse(spec.ToJsonString(), "zoos/mine.json")));
        Assert.StartsWith("zoos/mine.json: model 'ftal': unknown role 'thief'", error.Message);
    }

    [Fact]
    public void MissingParentNamesTheEntryAndTheDeclaredIds()
    {
        var spec = Spec();
        Model(spec, "ftal")["parent"] = "srcc";
        var e = Fails(spec);
        Assert.Contains("model 'ftal': parent 'srcc' does not exist", e.Message);
        Assert.Contains("src", e.Message);
    }

    [Fact]
    public void ParentCycleIsReportedWithItsPath()
    {
        var spec = Spec();
        Model(spec, "src")["parent"] = "ftal";
        Model(spec, "src")["chain"] = new JsonArray(new JsonObject { ["attack"] = "ftal" });
        var e = Fails(spec);
        Assert.Contains("cycle", e.Message);
        Assert.Contains("src -> ftal -> src", e.Message);
    }

    [Fact]
    public void ATransferHeadWithMoreClassesThanTheTransferSetFails()
    {
        var spec = Spec();
        spec["transfer_data"] = new JsonObject { ["name"] = "shapes", ["train_count"] = 100, ["test_count"] = 50, ["data_seed"] = 9 };
        Model(spec, "ftal")["chain"] = new JsonArray(new JsonObject { ["attack"] = "transfer-l", ["params"] = new JsonObject { ["target"] = "transfer-set", ["classes"] = 20 } });
        var e = Fails(spec);
        Assert.Contains("model 'ftal', step 1 (transfer-l)", e.Message);
        Assert.Contains("classes=20", e.Message);
        Assert.Contains("only 10 classes", e.Message);
    }

    [Fact]
    public void AnAttackOnTheZoosDataAfterATransferFails()
    {
        var spec = Spec();
        Model(spec, "ftal")["chain"] = new JsonArray(new JsonObject { ["attack"] = "transfer-l" }, new JsonObject { ["attack"] = "ftal" });
        var e = Fails(spec);
        Assert.Contains("model 'ftal', step 2 (ftal)", e.Message);
        Assert.Contains("4 classes", e.Message);
    }

    [Fact]
    public void RolesMustMatchTheLineage()
    {
        var spec = Spec();
        Model(spec, "ind-a")["parent"] = "src";
        Model(spec, "ind-a")["chain"] = new JsonArray(new JsonObject { ["attack"] = "ftal" });
        Assert.Contains("model 'ind-a': a independent model cannot derive from source", Fails(spec).Message);

        spec = Spec();
        Model(spec, "ftal")["role"] = "borrowed";
        Assert.Contains("unknown role 'borrowed'", Fails(spec).Message);
    }

    [Fact]
    public void AnEnsembleCannotBeTransferred()
    {
        var spec = Spec();
        Model(spec, "ftal")["chain"] = new JsonArray(new JsonObject { ["attack"] = "ensemble", ["params"] = new JsonObject { ["n"] = 2 } }, new JsonObject { ["attack"] = "transfer-a" });
        var e = Fails(spec);
        Assert.Contains("model 'ftal', step 2 (transfer-a)", e.Message);
        Assert.Contains("ensemble", e.Message);
    }

    [Fact]
    public void RecipeHashesDependOnEveryParameterAndChainUpToTheModel()
    {
        var plan = TinyZoo.Plan();
        var spec = Spec();
        Step(spec, "src")["train"]!["seed"] = 5;
        var changed = ZooPlan.Create(ZooSpec.Parse(spec.ToJsonString()));
        // a different source changes the source and everything derived from it, not the independents
        Assert.NotEqual(plan["src"].Final.RecipeHash, changed["src"].Final.RecipeHash);
        Assert.NotEqual(plan["ftal"].Final.RecipeHash, changed["ftal"].Final.RecipeHash);
        Assert.Equal(plan["ind-a"].Final.RecipeHash, changed["ind-a"].Final.RecipeHash);
        Assert.NotEqual(plan.SpecHash, changed.SpecHash);
        // formatting does not change the spec hash
        Assert.Equal(plan.SpecHash, ZooPlan.Create(ZooSpec.Parse(JsonNode.Parse(TinyZoo.Json)!.ToJsonString())).SpecHash);
    }
}
