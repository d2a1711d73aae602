using System.Text.Json;
using Lineage.Engine;
using Lineage.Engine.Nn;
using Lineage.Engine.Optim;

namespace Lineage.Engine.Tests;

/// <summary>Forward, backward, two SGD steps and two Adam steps of the reference CNN against PyTorch
/// (fixture from tests/fixtures/torch/make_reference_cnn_steps.py; weights and inputs from a shared formula).</summary>
public class ReferenceCnnStepTests
{
    static readonly JsonElement Golden = Fixture.Load("reference_cnn_steps.json");

    static Sequential Build()
    {
        var gen = new Generator(0);
        var net = new Sequential(
            new Conv2d(1, 32, 3, gen, padding: 1), new ReLU(), new MaxPool2d(2),
            new Conv2d(32, 64, 3, gen, padding: 1), new ReLU(), new MaxPool2d(2), new Flatten(),
            new Linear(64 * 7 * 7, 128, gen), new ReLU(), new Linear(128, 10, gen));
        int k = 0;
        foreach (var (_, p) in net.NamedParameters())
        {
            int fanIn = p.Rank >= 2 ? p.Size / p.Shape[0] : p.Shape[0];
            for (int i = 0; i < p.Size; i++) p.Data[i] = (float)(0.3 * Math.Sin(0.7 * i + 1.3 * k) / Math.Sqrt(fanIn));
            k++;
        }
        return net;
    }

    static (Tensor x, int[] y) Batch()
    {
        int n = Golden.GetProperty("batch").GetInt32();
        var x = Tensor.Persistent(n, 1, 28, 28);
        for (int i = 0; i < x.Size; i++) x.Data[i] = (float)(0.5 + 0.5 * Math.Sin(0.37 * i));
        return (x, Enumerable.Range(0, n).Select(i => i % 10).ToArray());
    }

    static void AssertSampled(JsonElement expected, Tensor actual, string what, double tol)
    {
        double norm = Math.Sqrt(actual.ToArray().Sum(v => (double)v * v));
        double en = expected.GetProperty("norm").GetDouble();
        Assert.True(Math.Abs(norm - en) <= tol * Math.Max(1, en), $"{what}: norm {norm} vs PyTorch {en}");
        var idx = expected.GetProperty("index").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var vals = expected.GetProperty("values").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int j = 0; j < idx.Length; j++)
            Assert.True(Math.Abs(actual.Data[idx[j]] - vals[j]) <= tol * Math.Max(1, Math.Abs(vals[j])), $"{what}[{idx[j]}]: {actual.Data[idx[j]]} vs PyTorch {vals[j]}");
    }

    [Fact]
    public void ForwardAndBackwardMatchPyTorch()
    {
        var net = Build();
        var (x, y) = Batch();
        var logits = net.Forward(x);
        var loss = Functional.CrossEntropy(logits, y);
        loss.Backward();
        var expectedLogits = Golden.GetProperty("logits").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int i = 0; i < expectedLogits.Length; i++) Assert.Equal(expectedLogits[i], logits.Data[i], 4);
        Assert.Equal(Golden.GetProperty("loss").GetDouble(), loss.Item(), 5);
        foreach (var (name, p) in net.NamedParameters())
            AssertSampled(Golden.GetProperty("grads").GetProperty(name), p.Grad!, "grad " + name, 1e-4);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void OptimiserStepsMatchPyTorch(string which)
    {
        var net = Build();
        var (x, y) = Batch();
        var cfg = Golden.GetProperty(which);
        double lr = cfg.GetProperty("lr").GetDouble();
        Optimizer opt = which == "sgd" ? new Sgd(net.Parameters(), lr, momentum: cfg.GetProperty("momentum").GetDouble()) : new Adam(net.Parameters(), lr);
        int step = 0;
        foreach (var expected in cfg.GetProperty("steps").EnumerateArray())
        {
            opt.ZeroGrad();
            Functional.CrossEntropy(net.Forward(x), y).Backward();
            opt.Step();
            step++;
            foreach (var (name, p) in net.NamedParameters())
                AssertSampled(expected.GetProperty(name), p, $"{which} step {step} {name}", 1e-4);
        }
        Assert.Equal(2, step);   // the fixture holds two steps; fewer would check less
    }
}
