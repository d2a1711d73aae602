using Lineage.Engine;

namespace Lineage.Engine.Tests;

public class AutogradTests
{
    [Fact]
    public void BackwardAccumulatesIntoLeafGrads()
    {
        var x = Tensor.FromArray([1f, 2f, 3f], 3).RequireGrad();
        (x * x).Sum().Backward();
        Assert.Equal([2f, 4f, 6f], x.Grad!.ToArray());
        (x * 3f).Sum().Backward();
        Assert.Equal([5f, 7f, 9f], x.Grad!.ToArray());
    }

    [Fact]
    public void GradLeavesOtherGradsAlone()
    {
        var w = Tensor.FromArray([2f], 1).RequireGrad();
        var x = Tensor.FromArray([3f], 1).RequireGrad();
        var y = (w * x).Sum();
        var g = Autograd.Grad(y, [x]);
        Assert.Equal(2f, g[0].Item());
        Assert.Null(w.Grad);
        Assert.Null(x.Grad);
    }

    [Fact]
    public void BackwardWithUpstreamGradient()
    {
        var x = Tensor.FromArray([1f, 2f], 2).RequireGrad();
        var y = x * 2f;
        y.Backward(Tensor.FromArray([10f, 100f], 2));
        Assert.Equal([20f, 200f], x.Grad!.ToArray());
    }

    [Fact]
    public void NoGradRecordsNothingAndDetachCuts()
    {
        var x = Tensor.FromArray([1f], 1).RequireGrad();
        using (GradMode.NoGrad()) Assert.False((x * 2f).RequiresGrad);
        Assert.False(x.Detach().RequiresGrad);
        Assert.Throws<InvalidOperationException>(() => (x.Detach() * 2f).Sum().Backward());
    }

    [Fact]
    public void FrozenParameterGetsNoGradient()
    {
        var w = Tensor.FromArray([2f], 1);
        var x = Tensor.FromArray([3f], 1).RequireGrad();
        (w * x).Sum().Backward();
        Assert.Null(w.Grad);
        Assert.Equal(2f, x.Grad!.Item());
    }

    [Fact]
    public void SharedSubexpressionGradientsAdd()
    {
        var x = Tensor.FromArray([3f], 1).RequireGrad();
        var a = x * x;           // used twice below
        var y = (a + a * x).Sum(); // x^2 + x^3 -> 2x + 3x^2 = 33
        y.Backward();
        Assert.Equal(33f, x.Grad!.Item(), 4);
    }

    /// <summary>The sum passes its upstream gradient to both inputs without a copy; accumulating into one of
    /// them must not change the other, nor the caller's upstream gradient.</summary>
    [Fact]
    public void PassedThroughGradientsAreNotAliased()
    {
        var x = Tensor.FromArray([1f, 2f], 2).RequireGrad();
        var y = Tensor.FromArray([3f, 4f], 2).RequireGrad();
        var upstream = Tensor.FromArray([10f, 100f], 2);
        // x gets the upstream gradient twice (x + y, then + x·1 through a reshape view), y once
        var z = x + y + (x * 1f).Reshape(2);
        var g = Autograd.Grad(z, [x, y], upstream);
        Assert.Equal([20f, 200f], g[0].ToArray());
        Assert.Equal([10f, 100f], g[1].ToArray());
        Assert.Equal([10f, 100f], upstream.ToArray());
        Assert.False(ReferenceEquals(g[1], upstream));
        g[1].Span[0] = -1f;
        Assert.Equal([10f, 100f], upstream.ToArray());
        Assert.Equal([20f, 200f], g[0].ToArray());

        var v = Tensor.FromArray([1f, 1f], 2).RequireGrad();
        (v + v).Backward(upstream);
        Assert.Equal([20f, 200f], v.Grad!.ToArray());
        Assert.Equal([10f, 100f], upstream.ToArray());
    }

    [Fact]
    public void NonScalarBackwardNeedsUpstream()
    {
        var x = Tensor.FromArray([1f, 2f], 2).RequireGrad();
        Assert.Throws<InvalidOperationException>(() => (x * 2f).Backward());
    }

    [Fact]
    public void ScopeReleasesTemporariesAndKeepsKept()
    {
        var x = Tensor.FromArray([1f, 2f], 2);
        Tensor temp, kept;
        using (var scope = TensorScope.Begin())
        {
            temp = x * 2f;
            kept = scope.Keep(x * 3f);
        }
        Assert.Throws<ObjectDisposedException>(() => temp.ToArray());
        Assert.Equal([3f, 6f], kept.ToArray());
    }
}
