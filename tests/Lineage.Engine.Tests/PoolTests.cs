namespace Lineage.Engine.Tests;

/// <summary>Finite-difference gradients of pooling and upsampling, plus the tie rule of max pooling.</summary>
public class PoolTests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);
    /// <summary>Distinct values 0.05 apart in shuffled order, so no finite-difference step changes which element is a window's maximum.</summary>
    static Tensor Distinct(int seed, params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        var gen = new Generator(seed);
        var order = Enumerable.Range(0, t.Size).OrderBy(_ => gen.NextDouble()).ToArray();
        for (int i = 0; i < t.Size; i++) t.Data[i] = (order[i] - t.Size / 2) * 0.05f;
        return t;
    }

    [Fact] public void MaxPoolGrad() => GradCheck.Check(x => Functional.MaxPool2d(x[0], 2), [Distinct(1, 2, 2, 4, 5)]);
    [Fact] public void MaxPoolGradStridePad() => GradCheck.Check(x => Functional.MaxPool2d(x[0], 3, stride: 2, padding: 1), [Distinct(2, 1, 2, 6, 5)]);
    [Fact] public void AvgPoolGrad() => GradCheck.Check(x => Functional.AvgPool2d(x[0], 2), [R(3, 2, 2, 4, 5)]);
    [Fact] public void AvgPoolGradPadExcluded() => GradCheck.Check(x => Functional.AvgPool2d(x[0], 3, stride: 2, padding: 1, countIncludePad: false), [R(4, 1, 2, 6, 5)]);
    [Fact] public void AvgPoolGradRect() => GradCheck.Check(x => Functional.AvgPool2d(x[0], (2, 3), (1, 2), (1, 1)), [R(5, 1, 2, 4, 5)]);
    [Fact] public void AdaptiveAvgPoolGrad() => GradCheck.Check(x => Functional.AdaptiveAvgPool2d(x[0], 3, 2), [R(6, 2, 2, 7, 5)]);
    [Fact] public void UpsampleGrad() => GradCheck.Check(x => Functional.UpsampleNearest2d(x[0], (2, 3)), [R(7, 1, 2, 3, 2)]);

    [Fact]
    public void MaxPoolSendsTiedGradientToFirstMaximum()
    {
        var x = Tensor.FromArray([1f, 3f, 3f, 2f], 1, 1, 2, 2).RequireGrad();
        var y = Functional.MaxPool2d(x, 2);
        Assert.Equal(3f, y.Item());
        var g = Autograd.Grad(y.Sum(), [x])[0];
        Assert.Equal(new[] { 0f, 1f, 0f, 0f }, g.ToArray());
    }

    [Fact]
    public void ModulesForwardShapes()
    {
        var x = R(8, 2, 3, 8, 8);
        Assert.Equal(new[] { 2, 3, 4, 4 }, new Nn.MaxPool2d(2).Forward(x).Shape);
        Assert.Equal(new[] { 2, 3, 4, 4 }, new Nn.AvgPool2d(3, stride: 2, padding: 1).Forward(x).Shape);
        Assert.Equal(new[] { 2, 3, 1, 1 }, new Nn.AdaptiveAvgPool2d(1).Forward(x).Shape);
        Assert.Equal(new[] { 2, 3, 16, 16 }, new Nn.Upsample(2).Forward(x).Shape);
    }
}
