using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Engine.Tests;

/// <summary>Spectral normalisation: the gradient through σ = uᵀWv against finite differences, the power iteration
/// against a matrix whose singular values are known, and the modules' training/eval behaviour.</summary>
public class SpectralNormTests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);

    [Fact]
    public void GradientFlowsThroughSigma()
    {
        var (u, v) = SpectralNorm.InitialVectors([3, 2, 2, 2], new Generator(3));
        GradCheck.Check(x => SpectralNorm.Apply(x[0], u, v, update: false), [R(4, 3, 2, 2, 2)], eps: 1e-3);
    }

    [Fact]
    public void GeneratorGeometryConvTransposeGradient() =>
        // the GAN generator's upsampling layer: kernel 4, stride 2, padding 1 doubles the plane
        GradCheck.Check(x => Functional.ConvTranspose2d(x[0], x[1], x[2], stride: 2, padding: 1), [R(5, 2, 3, 3, 3), R(6, 3, 2, 4, 4), R(7, 2)]);

    [Fact]
    public void PowerIterationFindsTheLargestSingularValue()
    {
        // W = Q · diag(5, 2, 0.5) with Q a rotation: singular values 5, 2, 0.5
        double c = Math.Cos(0.7), s = Math.Sin(0.7);
        float[] q = [(float)c, (float)-s, 0, (float)s, (float)c, 0, 0, 0, 1];
        float[] d = [5, 2, 0.5f];
        var w = Tensor.Persistent(3, 3);
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) w.Span[i * 3 + j] = q[i * 3 + j] * d[j];
        var (u, v) = SpectralNorm.InitialVectors([3, 3], new Generator(1));
        using (GradMode.NoGrad())
            for (int k = 0; k < 60; k++) SpectralNorm.Apply(w, u, v, update: true);
        Assert.Equal(5.0, SpectralNorm.Sigma(w, u, v), 3);
        using (GradMode.NoGrad())
        {
            var normalised = SpectralNorm.Apply(w, u, v, update: false);
            // the normalised matrix's largest singular value is 1: ‖W/σ · v‖ = 1 along the top singular vector
            double norm = 0;
            for (int i = 0; i < 3; i++)
            {
                double row = 0;
                for (int j = 0; j < 3; j++) row += normalised.Span[i * 3 + j] * v.Span[j];
                norm += row * row;
            }
            Assert.Equal(1.0, Math.Sqrt(norm), 3);
        }
    }

    [Fact]
    public void TrainingModeUpdatesTheVectorsAndEvalModeDoesNot()
    {
        var layer = new SpectralNormLinear(6, 4, new Generator(2));
        var x = R(8, 5, 6);
        var u0 = layer.StateDict()["weight_u"].Span.ToArray();
        using (GradMode.NoGrad()) layer.Forward(x);
        var u1 = layer.StateDict()["weight_u"].Span.ToArray();
        Assert.NotEqual(u0, u1);
        layer.Eval();
        using (GradMode.NoGrad()) layer.Forward(x);
        Assert.Equal(u1, layer.StateDict()["weight_u"].Span.ToArray());
        Assert.Equal(["weight_orig", "bias", "weight_u", "weight_v"], layer.StateDict().Keys.ToArray());
    }

    [Fact]
    public void ConvOutputIsTheConvolutionWithTheNormalisedWeight()
    {
        var layer = new SpectralNormConv2d(2, 3, 4, new Generator(9), stride: 2, padding: 1);
        layer.Eval();
        var x = R(10, 2, 2, 8, 8);
        using var _ = GradMode.NoGrad();
        var y = layer.Forward(x);
        var expected = Functional.Conv2d(x, layer.Weight(), layer.Bias, 2, 1);
        Assert.Equal([2, 3, 4, 4], y.Shape);
        Assert.Equal(expected.Span.ToArray(), y.Span.ToArray());
        // the weight used has spectral norm 1 by the stored estimate
        Assert.Equal(1.0, SpectralNorm.Sigma(layer.Weight(), layer.StateDict()["weight_u"], layer.StateDict()["weight_v"]), 4);
    }
}

/// <summary>The discriminator's geometry (kernel 4, stride 2, padding 1) through whichever convolution path the
/// engine picks at a realistic size: the generator learns only through these input gradients.</summary>
public class DiscriminatorGeometryGradientTests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);

    [Fact]
    public void Kernel4Stride2InputGradient() =>
        GradCheck.Check(x => Functional.Conv2d(x[0], x[1], x[2], stride: 2, padding: 1), [R(11, 2, 8, 14, 14), R(12, 16, 8, 4, 4), R(13, 16)], eps: 1e-2);

    [Fact]
    public void GeneratorUpsamplingGradientAtRealisticSize() =>
        GradCheck.Check(x => Functional.ConvTranspose2d(x[0], x[1], x[2], stride: 2, padding: 1), [R(14, 2, 16, 7, 7), R(15, 16, 8, 4, 4), R(16, 8)], eps: 1e-2);
}
