using Lineage.Evaluation;
using Lineage.Fingerprints.Sac;
using Lineage.Tests.Zoo;
using Lineage.Zoo;

namespace Lineage.Tests.Evaluation;

/// <summary>A zoo built with two sources is evaluated one source at a time: the named source is fingerprinted and
/// judged against its own stolen models and the independent ones.</summary>
public sealed class MultiSourceEvaluationTests
{
    [Fact]
    public void TheNamedSourceIsFingerprintedAndTheOtherSourcesCopiesAreLeftOut()
    {
        using var zooDir = new TinyZoo.TempDir();
        using var outDir = new TinyZoo.TempDir();
        const string anchor = "{ \"id\": \"ind-a\",";
        string json = TinyZoo.Json.Replace(anchor,
            "{ \"id\": \"src2\", \"role\": \"source\", \"chain\": [ { \"train\": { \"seed\": 5 } } ] },\n"
            + "{ \"id\": \"ftal-2\", \"role\": \"stolen\", \"parent\": \"src2\", \"chain\": [ { \"attack\": \"ftal\", \"seed\": 6 } ] },\n"
            + anchor);
        Assert.NotEqual(TinyZoo.Json, json);
        ZooBuilder.Build(ZooPlan.Create(ZooSpec.Parse(json)), zooDir.Path);
        var options = new EvaluationOptions { Methods = ["sac-m"], Parameters = new Dictionary<string, Dictionary<string, string>> { ["sac-m"] = new() { ["samples"] = "20" } }, Seed = 2 };

        var error = Assert.Throws<ArgumentException>(() => ZooEvaluation.Run(zooDir.Path, outDir.Path, options));
        Assert.Contains("2 sources (src, src2)", error.Message);

        var result = ZooEvaluation.Run(zooDir.Path, outDir.Path, options with { Source = "src2" });
        Assert.Equal("src2", result.Source);
        Assert.Equal(["ftal-2", "ind-a", "ind-b"], result.Scores.Select(s => s.ModelId).Order());
        Assert.Equal(["Finetune-A"], result.Categories);
        Assert.Contains("src2", File.ReadAllText(Path.Combine(outDir.Path, "summary.md")));
    }
}
