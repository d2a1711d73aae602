using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Engine.Tests;

public class NormModuleTests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);

    [Fact]
    public void BatchNorm2dHasPyTorchStateAndUpdatesRunningStatistics()
    {
        var bn = new BatchNorm2d(3);
        Assert.Equal(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"], bn.StateDict().Keys.ToArray());
        Assert.Equal([1f, 1f, 1f], bn.Weight!.ToArray());
        Assert.Equal([1f, 1f, 1f], bn.RunningVar!.ToArray());
        var x = R(1, 4, 3, 2, 2);
        var y = bn.Forward(x);
        Assert.Equal(1f, bn.NumBatchesTracked!.Item());
        // training output has per-channel mean 0 and biased variance 1/(1 + eps/var) ≈ 1
        var mean = y.Mean([0, 2, 3]).ToArray();
        foreach (var m in mean) Assert.Equal(0f, m, 5);
        var batchMean = x.Mean([0, 2, 3]).ToArray();
        for (int c = 0; c < 3; c++) Assert.Equal(0.1f * batchMean[c], bn.RunningMean!.Data[c], 6);
    }

    [Fact]
    public void BatchNormEvalUsesRunningStatistics()
    {
        var bn = new BatchNorm1d(2);
        bn.RunningMean!.Data[0] = 1f; bn.RunningVar!.Data[0] = 4f;
        bn.Eval();
        var y = bn.Forward(Tensor.FromArray([3f, 0f, 5f, 1f], 2, 2));
        Assert.Equal(1f, y[0, 0], 4);  // (3 − 1)/√4
        Assert.Equal(2f, y[1, 0], 4);
        Assert.Equal(0f, bn.NumBatchesTracked!.Item());
    }

    [Fact]
    public void BatchNormNullMomentumIsCumulativeAverage()
    {
        var bn = new BatchNorm1d(1, momentum: null);
        bn.Forward(Tensor.FromArray([1f, 3f], 2, 1));
        bn.Forward(Tensor.FromArray([5f, 7f], 2, 1));
        Assert.Equal(4f, bn.RunningMean!.Item(), 5);      // average of batch means 2 and 6
        Assert.Equal(2f, bn.RunningVar!.Item(), 5);       // average of unbiased variances 2 and 2
    }

    [Fact]
    public void BatchNormWithoutRunningStatsUsesBatchStatisticsInEval()
    {
        var bn = new BatchNorm1d(2, affine: false, trackRunningStats: false);
        Assert.Empty(bn.StateDict());
        bn.Eval();
        var y = bn.Forward(Tensor.FromArray([1f, 10f, 3f, 20f], 2, 2));
        Assert.Equal(-1f, y[0, 0], 3);
        Assert.Equal(1f, y[1, 1], 3);
    }

    [Fact]
    public void BatchNormRejectsWrongInput()
    {
        Assert.Throws<ArgumentException>(() => new BatchNorm2d(3).Forward(R(2, 2, 3)));
        Assert.Throws<ArgumentException>(() => new BatchNorm1d(3).Forward(R(3, 2, 4)));
        Assert.Throws<ArgumentException>(() => new BatchNorm1d(3).Forward(R(4, 1, 3)));   // one value per channel
    }

    [Fact]
    public void LayerNormModuleNormalisesRows()
    {
        var ln = new LayerNorm([4]);
        Assert.Equal(["weight", "bias"], ln.StateDict().Keys.ToArray());
        var y = ln.Forward(Tensor.FromArray([1f, 2f, 3f, 4f, -2f, 0f, 2f, 4f], 2, 4));
        var s = y.Sum([1]).ToArray();
        Assert.Equal(0f, s[0], 5); Assert.Equal(0f, s[1], 5);
        Assert.Equal(-1.3416f, y[0, 0], 3);
    }

    [Fact]
    public void DropoutScalesSurvivorsAndIsIdentityInEval()
    {
        var drop = new Dropout(0.25f, new Generator(3));
        var x = Tensor.Ones(4000);
        var y = drop.Forward(x).ToArray();
        int zeros = y.Count(v => v == 0f);
        Assert.InRange(zeros, 850, 1150);
        Assert.All(y, v => Assert.True(v == 0f || Math.Abs(v - 4f / 3f) < 1e-6));
        drop.Eval();
        Assert.Same(x, drop.Forward(x));
    }

    [Fact]
    public void DropoutCloneHasItsOwnGenerator()
    {
        var a = new Dropout(0.5f, new Generator(11));
        var b = a.DeepCopy();
        var x = Tensor.Ones(64);
        var ya = a.Forward(x).ToArray();
        // the copy's stream is independent: running it does not change what the original draws next
        var reference = new Dropout(0.5f, new Generator(11));
        reference.DeepCopy();
        reference.Forward(x);
        b.Forward(x);
        Assert.Equal(reference.Forward(x).ToArray(), a.Forward(x).ToArray());
        Assert.NotEqual(ya, b.Forward(x).ToArray());
    }

    [Fact]
    public void SoftmaxModulesAreStable()
    {
        var x = Tensor.FromArray([1000f, 1001f, -1000f, 0f], 2, 2);
        var p = new Softmax().Forward(x).ToArray();
        Assert.Equal(1f / (1f + MathF.E), p[0], 5);
        Assert.Equal(1f, p[2] + p[3], 6);
        var lp = new LogSoftmax().Forward(x).ToArray();
        Assert.Equal(-1000f, lp[2], 2);
        Assert.All(lp, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void CrossEntropyIgnoreIndexAndReductions()
    {
        var logits = R(5, 3, 4);
        var all = Functional.CrossEntropy(logits, [1, 2, 3], reduction: Reduction.None).ToArray();
        var mean = Functional.CrossEntropy(logits, [1, -100, 3]).Item();
        Assert.Equal((all[0] + all[2]) / 2, mean, 5);
        Assert.Equal(all.Sum(), Functional.CrossEntropy(logits, [1, 2, 3], reduction: Reduction.Sum).Item(), 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.CrossEntropy(logits, [1, 4, 0]));
        Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(logits, [1, 2]));
    }

    [Fact]
    public void HingeLossValue()
    {
        var l = Functional.HingeLoss(Tensor.FromArray([2f, 0.5f, -0.5f], 3), Tensor.FromArray([1f, 1f, -1f], 3));
        Assert.Equal((0f + 0.5f + 0.5f) / 3, l.Item(), 6);
    }
}
