using Lineage.Engine;

namespace Lineage.Engine.Tests;

public class TensorOpsGradientTests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);
    /// <summary>Random values kept 0.05 away from the kinks of piecewise functions, so finite differences never straddle one.</summary>
    static Tensor Kinked(int seed, float[] kinks, params int[] shape)
    {
        var t = R(seed, shape);
        var d = t.Data;
        for (int i = 0; i < t.Size; i++)
            foreach (var k in kinks)
                if (MathF.Abs(d[i] - k) < 0.05f) d[i] = k + (d[i] >= k ? 0.05f : -0.05f);
        return t;
    }
    static Tensor Positive(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), 0.5f, 2f, shape);

    [Fact] public void AddBroadcast() => GradCheck.Check(x => x[0] + x[1], [R(1, 2, 3, 4), R(2, 3, 1)]);
    [Fact] public void SubBroadcast() => GradCheck.Check(x => x[0] - x[1], [R(1, 2, 1, 4), R(2, 3, 4)]);
    [Fact] public void MulBroadcast() => GradCheck.Check(x => x[0] * x[1], [R(1, 2, 3, 4), R(2, 4)]);
    [Fact] public void DivBroadcast() => GradCheck.Check(x => x[0] / x[1], [R(1, 2, 3), Positive(2, 1, 3)]);
    [Fact] public void ScalarOps() => GradCheck.Check(x => (x[0] * 3f + 1f) / 2f - x[0].RSub(4f), [R(3, 5)]);
    [Fact] public void Pow() => GradCheck.Check(x => x[0].Pow(2.5f), [Positive(4, 6)]);
    [Fact] public void Exp() => GradCheck.Check(x => x[0].Exp(), [R(5, 2, 3)]);
    [Fact] public void Log() => GradCheck.Check(x => x[0].Log(), [Positive(6, 2, 3)]);
    [Fact] public void Sqrt() => GradCheck.Check(x => x[0].Sqrt(), [Positive(7, 2, 3)]);
    [Fact] public void Abs() => GradCheck.Check(x => x[0].Abs(), [Kinked(8, [0f], 10)]);
    [Fact] public void Sigmoid() => GradCheck.Check(x => x[0].Sigmoid(), [R(9, 10)]);
    [Fact] public void Tanh() => GradCheck.Check(x => x[0].Tanh(), [R(10, 10)]);
    [Fact] public void Silu() => GradCheck.Check(x => x[0].Silu(), [R(11, 10)]);
    [Fact] public void Gelu() => GradCheck.Check(x => x[0].Gelu(), [R(12, 10)]);
    [Fact] public void Erf() => GradCheck.Check(x => x[0].Erf(), [R(13, 10)]);
    [Fact] public void Softplus() => GradCheck.Check(x => (x[0] * 4f).Softplus(), [R(14, 10)]);

    /// <summary>softplus = log(1 + eˣ) without overflow far out on either side.</summary>
    [Fact]
    public void SoftplusValues()
    {
        var y = Tensor.FromArray([0f, 1f, -1f, 30f, -30f, 100f], 6).Softplus().ToArray();
        float[] expected = [0.6931471806f, 1.3132616875f, 0.3132616875f, 30f, 9.357623e-14f, 100f];
        for (int i = 0; i < y.Length; i++) Assert.True(MathF.Abs(y[i] - expected[i]) <= 1e-6f * MathF.Max(1f, MathF.Abs(expected[i])) || i == 4 && MathF.Abs(y[i] / expected[i] - 1f) < 1e-5f, $"softplus[{i}] {y[i]:G9} vs {expected[i]:G9}");
    }

    /// <summary>erf against values to 10 digits (Abramowitz and Stegun, Table 7.1), odd symmetry included.</summary>
    [Fact]
    public void ErfValues()
    {
        var y = Tensor.FromArray([0f, 0.5f, 1f, 2f, -1f, 3.5f], 6).Erf().ToArray();
        float[] expected = [0f, 0.5204998778f, 0.8427007929f, 0.9953222650f, -0.8427007929f, 0.9999992569f];
        for (int i = 0; i < y.Length; i++) Assert.True(MathF.Abs(y[i] - expected[i]) < 2e-7f, $"erf[{i}] {y[i]:G9} vs {expected[i]:G9}");
    }
    [Fact] public void Relu() => GradCheck.Check(x => x[0].Relu(), [Kinked(13, [0f], 40)]);
    [Fact] public void LeakyRelu() => GradCheck.Check(x => x[0].LeakyRelu(0.1f), [Kinked(14, [0f], 40)]);
    [Fact] public void Elu() => GradCheck.Check(x => x[0].Elu(), [Kinked(15, [0f], 40)]);
    [Fact] public void Prelu() => GradCheck.Check(x => x[0].Prelu(x[1]), [Kinked(16, [0f], 2, 3, 2, 2), R(17, 3)]);
    [Fact] public void Clamp() => GradCheck.Check(x => x[0].Clamp(-0.5f, 0.5f), [Kinked(18, [-0.5f, 0.5f], 30)]);
    [Fact] public void SumAxes() => GradCheck.Check(x => x[0].Sum([0, 2]), [R(19, 2, 3, 4)]);
    [Fact] public void SumKeepDim() => GradCheck.Check(x => x[0].Sum([1], keepDim: true), [R(20, 2, 3, 4)]);
    [Fact] public void MeanAll() => GradCheck.Check(x => x[0].Mean(), [R(21, 3, 4)]);
    [Fact] public void Var() => GradCheck.Check(x => x[0].Var([1]), [R(22, 3, 5)]);
    [Fact] public void Max() => GradCheck.Check(x => x[0].Max([1]), [R(23, 3, 5)]);
    [Fact] public void Min() => GradCheck.Check(x => x[0].Min([0, 2]), [R(24, 3, 2, 4)]);
    [Fact] public void TopK() => GradCheck.Check(x => x[0].TopK(2).values, [R(25, 3, 5)]);
    [Fact] public void Reshape() => GradCheck.Check(x => x[0].Reshape(4, -1) * x[0].Reshape(4, -1), [R(26, 2, 2, 3)]);
    [Fact] public void Permute() => GradCheck.Check(x => x[0].Permute(2, 0, 1), [R(27, 2, 3, 4)]);
    [Fact] public void Slice() => GradCheck.Check(x => x[0].Slice(1, 1, 4, 2), [R(28, 2, 5)]);
    [Fact] public void IndexSelect() => GradCheck.Check(x => x[0].IndexSelect(0, [2, 0, 2]), [R(29, 3, 4)]);
    [Fact] public void Cat() => GradCheck.Check(x => Tensor.Cat([x[0], x[1]], 1), [R(30, 2, 3), R(31, 2, 2)]);
    [Fact] public void Stack() => GradCheck.Check(x => Tensor.Stack([x[0], x[1]], 1), [R(32, 2, 3), R(33, 2, 3)]);
    [Fact] public void Pad() => GradCheck.Check(x => x[0].Pad([1, 2, 0, 1]), [R(34, 2, 3, 3)]);
    [Fact] public void Flip() => GradCheck.Check(x => x[0].Flip(0, 2), [R(35, 2, 3, 4)]);
    [Fact] public void Expand() => GradCheck.Check(x => x[0].Expand(3, 2, 4), [R(36, 2, 1)]);
    [Fact] public void Where() => GradCheck.Check(x => Tensor.Where(x[0].GreaterMask(0f), x[0], x[1]), [Kinked(37, [0f], 3, 4), R(38, 4)]);
    [Fact] public void MatMul2D() => GradCheck.Check(x => Functional.MatMul(x[0], x[1]), [R(39, 3, 4), R(40, 4, 5)]);
    [Fact] public void MatMulBatchedBroadcast() => GradCheck.Check(x => Functional.MatMul(x[0], x[1]), [R(41, 2, 3, 4), R(42, 1, 4, 2)]);
    [Fact] public void MatMulBatchShared() => GradCheck.Check(x => Functional.MatMul(x[0], x[1]), [R(43, 2, 3, 4), R(44, 4, 2)]);
    [Fact] public void Linear() => GradCheck.Check(x => Functional.Linear(x[0], x[1], x[2]), [R(45, 5, 4), R(46, 3, 4), R(47, 3)]);
    [Fact] public void Linear3D() => GradCheck.Check(x => Functional.Linear(x[0], x[1]), [R(48, 2, 3, 4), R(49, 3, 4)]);
}
