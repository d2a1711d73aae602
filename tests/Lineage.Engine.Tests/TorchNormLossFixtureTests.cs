using System.Text.Json;
using Lineage.Engine;
using static Lineage.Engine.Tests.Fixture;

namespace Lineage.Engine.Tests;

/// <summary>Normalisation and losses against PyTorch's values (Fixtures/norm.json, Fixtures/losses.json).</summary>
public class TorchNormLossFixtureTests
{
    static readonly JsonElement Norm = Load("norm.json");
    static readonly JsonElement Losses = Load("losses.json");

    [Theory]
    [InlineData("train_4d")]
    [InlineData("train_2d")]
    [InlineData("eval_4d")]
    public void BatchNormMatchesTorch(string name)
    {
        var c = Norm.GetProperty("batch_norm").GetProperty(name);
        var x = Tensor(c, "x").RequireGrad(); var w = Tensor(c, "weight").RequireGrad(); var b = Tensor(c, "bias").RequireGrad();
        var rm = Tensor(c, "running_mean_in"); var rv = Tensor(c, "running_var_in");
        var y = Functional.BatchNorm(x, rm, rv, w, b, c.GetProperty("training").GetBoolean(),
            (float)c.GetProperty("momentum").GetDouble(), (float)c.GetProperty("eps").GetDouble());
        y.Backward(Tensor(c, "grad_out"));
        AssertClose(c.GetProperty("y"), y, "y");
        AssertClose(c.GetProperty("grad_x"), x.Grad!, "grad x");
        AssertClose(c.GetProperty("grad_weight"), w.Grad!, "grad weight");
        AssertClose(c.GetProperty("grad_bias"), b.Grad!, "grad bias");
        AssertClose(c.GetProperty("running_mean"), rm, "running mean");
        AssertClose(c.GetProperty("running_var"), rv, "running var");
    }

    [Fact]
    public void LayerNormMatchesTorch()
    {
        var c = Norm.GetProperty("layer_norm");
        var x = Tensor(c, "x").RequireGrad(); var w = Tensor(c, "weight").RequireGrad(); var b = Tensor(c, "bias").RequireGrad();
        var y = Functional.LayerNorm(x, Ints(c, "normalized_shape"), w, b, (float)c.GetProperty("eps").GetDouble());
        y.Backward(Tensor(c, "grad_out"));
        AssertClose(c.GetProperty("y"), y, "y");
        AssertClose(c.GetProperty("grad_x"), x.Grad!, "grad x");
        AssertClose(c.GetProperty("grad_weight"), w.Grad!, "grad weight");
        AssertClose(c.GetProperty("grad_bias"), b.Grad!, "grad bias");
    }

    /// <summary>Evaluates a loss case: the loss and the gradient of every input the fixture recorded one for.</summary>
    static void CheckLoss(string name, Func<JsonElement, Dictionary<string, Tensor>, Tensor> loss)
    {
        var c = Losses.GetProperty(name);
        var inputs = new Dictionary<string, Tensor>();
        foreach (var key in new[] { "logits", "input", "target" })
            if (c.TryGetProperty(key, out var e))
            {
                var t = Tensor(e);
                if (c.TryGetProperty("grad_" + key, out _)) t.RequireGrad();
                inputs[key] = t;
            }
        var l = loss(c, inputs);
        AssertClose(c.GetProperty("loss").GetDouble(), l.Item(), $"{name} loss");
        l.Backward();
        foreach (var (key, t) in inputs)
            if (c.TryGetProperty("grad_" + key, out var g)) AssertClose(g, t.Grad!, $"{name} grad {key}");
    }

    static float Smoothing(JsonElement c) => (float)c.GetProperty("label_smoothing").GetDouble();

    [Fact] public void CrossEntropyLabels() => CheckLoss("ce_labels", (c, x) => Functional.CrossEntropy(x["logits"], Ints(c, "labels")));
    [Fact] public void CrossEntropyLabelSmoothing() => CheckLoss("ce_smoothing", (c, x) => Functional.CrossEntropy(x["logits"], Ints(c, "labels"), Smoothing(c)));
    [Fact] public void CrossEntropySpatialSum() =>
        CheckLoss("ce_spatial_sum", (c, x) => Functional.CrossEntropy(x["logits"], Ints(c, "labels"), Smoothing(c), Reduction.Sum));
    [Fact] public void CrossEntropyProbabilities() => CheckLoss("ce_probs", (c, x) => Functional.CrossEntropy(x["logits"], x["target"], Smoothing(c)));
    [Fact] public void KlDivBatchMean() => CheckLoss("kl_batchmean", (c, x) => Functional.KlDiv(x["input"], x["target"]));
    [Fact] public void KlDivLogTargetMean() => CheckLoss("kl_log_target_mean", (c, x) => Functional.KlDiv(x["input"], x["target"], Reduction.Mean, logTarget: true));
    [Fact] public void Mse() => CheckLoss("mse", (c, x) => Functional.MseLoss(x["input"], x["target"]));
    [Fact] public void L1Sum() => CheckLoss("l1_sum", (c, x) => Functional.L1Loss(x["input"], x["target"], Reduction.Sum));
    [Fact] public void MultiMargin() => CheckLoss("multi_margin", (c, x) => Functional.MultiMarginLoss(x["logits"], Ints(c, "labels")));
    [Fact] public void Nll() => CheckLoss("nll", (c, x) => Functional.NllLoss(Functional.LogSoftmax(x["logits"], 1), Ints(c, "labels")));
}
