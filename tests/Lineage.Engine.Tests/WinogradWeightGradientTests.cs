using Lineage.Engine.Kernels;

namespace Lineage.Engine.Tests;

/// <summary>The Winograd weight gradient (F(4×4, 3×3) on planes whose height is a multiple of 4, F(2×2, 3×3) on others)
/// against its scalar reference (the F(2×2, 3×3) formulas tile by tile: the same function), against the im2col + GEMM
/// path through the convolution op, and across thread counts.</summary>
[Collection(EngineGlobalsCollection.Name)]
public class WinogradWeightGradientTests
{
    static float[] R(int seed, int size)
    {
        var gen = new Generator(seed);
        var x = new float[size];
        for (int i = 0; i < x.Length; i++) x[i] = gen.NextFloat() * 2f - 1f;
        return x;
    }

    static ConvGeometry Geometry(int c, int h, int w) => new(c, h, w, 3, 3, 1, 1, 1, 1, 1, 1, h, w);

    // n, c, h, w, m: ResNet-20's two Winograd stages; a batch of two slices with a partial group; channel counts
    // apart; a plane of one tile row
    [Avx512Theory]
    [InlineData(3, 32, 16, 16, 32)]
    [InlineData(9, 64, 8, 8, 64)]
    [InlineData(17, 32, 8, 8, 32)]
    [InlineData(2, 32, 6, 8, 40)]
    [InlineData(3, 64, 6, 8, 24)]
    [InlineData(3, 16, 32, 32, 16)]  // ResNet-20's first stage: 16×16 panels
    [InlineData(2, 48, 8, 8, 32)]    // 48 input channels: 16×16 panels
    [InlineData(2, 32, 2, 16, 48)]
    public void MatchesReference(int n, int c, int h, int w, int m)
    {
        var g = Geometry(c, h, w);
        Assert.True(WinogradWeightGradient.Applies(g, m));
        var x = R(1, n * c * h * w); var dy = R(2, n * m * h * w);
        var fast = new float[m * c * 9]; var slow = new float[m * c * 9];
        WinogradWeightGradient.Run(x, dy, n, g, m, fast);
        WinogradWeightGradient.Reference(x, dy, n, c, h, w, m, slow);
        // each value sums n·H·W products: bound the rounding by the sum of their magnitudes (the same function of |x|, |dy|)
        var magnitude = new float[m * c * 9];
        WinogradWeightGradient.Reference(x.Select(MathF.Abs).ToArray(), dy.Select(MathF.Abs).ToArray(), n, c, h, w, m, magnitude);
        for (int i = 0; i < slow.Length; i++)
            Assert.True(MathF.Abs(fast[i] - slow[i]) <= 2e-6f * (1 + magnitude[i]), $"[{i}] {fast[i]} vs {slow[i]} (magnitude {magnitude[i]})");
    }

    /// <summary>Planes whose height is a multiple of 4 take F(4×4, 3×3), others F(2×2, 3×3); both are kept, and on the
    /// same layer they give the same gradient up to rounding.</summary>
    [Avx512Theory]
    [InlineData(3, 32, 16, 16, 32)]
    [InlineData(3, 16, 32, 32, 16)]
    [InlineData(9, 64, 8, 8, 64)]
    public void BothTileSizesMatchReference(int n, int c, int h, int w, int m)
    {
        float[] Run(bool large)
        {
            bool saved = WinogradWeightGradient.LargeTiles;
            WinogradWeightGradient.LargeTiles = large;
            try
            {
                MatchesReference(n, c, h, w, m);
                var gw = new float[m * c * 9];
                WinogradWeightGradient.Run(R(1, n * c * h * w), R(2, n * m * h * w), n, Geometry(c, h, w), m, gw);
                return gw;
            }
            finally { WinogradWeightGradient.LargeTiles = saved; }
        }
        Assert.NotEqual(Run(true), Run(false));   // two kernels ran
    }

    [Theory]
    [InlineData(4, 32, 16, 16, 32, true)]
    [InlineData(5, 64, 8, 8, 64, false)]
    [InlineData(3, 32, 10, 8, 64, true)]
    [InlineData(2, 16, 32, 32, 16, true)]
    public void ConvolutionGradientsMatchIm2ColPath(int n, int c, int h, int w, int m, bool bias) =>
        ImplicitConvTests.AssertGradientsMatchIm2Col(Tensor.Uniform(new Generator(3), -1f, 1f, n, c, h, w),
            Tensor.Uniform(new Generator(4), -0.2f, 0.2f, m, c, 3, 3), bias ? Tensor.Uniform(new Generator(5), -1f, 1f, m) : null,
            stride: 1, pad: 1, dilation: 1, upstreamSeed: 6, tolerance: 2e-4f, onPath: grads => grads());

    /// <summary>Where 16·Cout·Cin floats per slice would take too much memory, the batch is cut into fewer, larger slices.</summary>
    [Avx512Fact]
    public void WideLayersTakeFewerLargerSlices()
    {
        int saved = WinogradWeightGradient.PartialFloats;
        WinogradWeightGradient.PartialFloats = 2 * 16 * 32 * 32; // two slices of 9 and 8 images instead of three
        try { MatchesReference(17, 32, 8, 8, 32); }
        finally { WinogradWeightGradient.PartialFloats = saved; }
    }

    [Avx512Fact]
    public void ResultDoesNotDependOnThreadCount()
    {
        var g = Geometry(32, 8, 8);
        int n = 19, m = 32;
        var x = R(7, n * 32 * 64); var dy = R(8, n * m * 64);
        float[] Run(int threads)
        {
            int saved = EngineSettings.Threads;
            EngineSettings.Threads = threads;
            try { var gw = new float[m * 32 * 9]; WinogradWeightGradient.Run(x, dy, n, g, m, gw); return gw; }
            finally { EngineSettings.Threads = saved; }
        }
        Assert.Equal(Run(1), Run(3));
    }

    [Avx512Fact]
    public void OddPlanesAndFewChannelsKeepTheDirectGradient()
    {
        Assert.False(WinogradWeightGradient.Applies(Geometry(32, 7, 8), 32));   // a row of outputs outside whole tiles
        Assert.False(WinogradWeightGradient.Applies(Geometry(32, 8, 12), 32));  // width not a multiple of 8
        Assert.False(WinogradWeightGradient.Applies(Geometry(8, 32, 32), 16));  // fewer than 16 input channels
        Assert.False(WinogradWeightGradient.Applies(Geometry(48, 8, 8), 40));   // 48 = 16·3 input channels, but 40 outputs
        Assert.False(WinogradWeightGradient.Applies(new ConvGeometry(32, 8, 8, 3, 3, 1, 1, 2, 2, 1, 1, 10, 10), 32)); // padding 2
    }
}

/// <summary>A theory about a kernel the engine runs only on CPUs with AVX-512 (elsewhere the layer keeps the direct
/// weight gradient, which other tests check): SKIPPED there with the reason, never a silent pass.</summary>
public sealed class Avx512TheoryAttribute : TheoryAttribute
{
    public Avx512TheoryAttribute() => Skip = Avx512FactAttribute.SkipReason;
}

/// <summary>A single test under the same condition as <see cref="Avx512TheoryAttribute"/>.</summary>
public sealed class Avx512FactAttribute : FactAttribute
{
    // the engine's own condition (WinogradWeightGradient.Applies asks for the Vector512 GEMM path), not a copy of it
    internal static string? SkipReason => Gemm.Path == GemmPath.Vector512 ? null
        : "this CPU has no AVX-512, so the engine never takes the Winograd weight gradient this test checks";

    public Avx512FactAttribute() => Skip = SkipReason;
}
