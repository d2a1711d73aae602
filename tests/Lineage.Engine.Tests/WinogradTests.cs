using Lineage.Engine.Kernels;

namespace Lineage.Engine.Tests;

/// <summary>The Winograd F(2×2, 3×3) convolution that 3×3 stride-1 layers with enough channels take: outputs
/// against the direct reference on every kind of geometry (odd sizes, padding 0–2, channels past one GEMM block or not
/// a multiple of the weight panel, whole images per chunk and bands of tile rows), on the AVX-512 and the AVX2 tiles,
/// with bias and fused ReLU; with a 2×2 max pooling taken in the kernel; independent of the thread count; and in
/// training, where it computes the input gradient too and the weight gradients are the direct kernels' to the bit.
/// F(4×4, 3×3), which AVX-512 machines take for outputs 29–32 or 13–16 wide or up to 8×8, against the same reference on its own
/// geometries (the training and thread-count tests reach it through their 8×8, 14×14 and 16×16 layers), and pooling
/// its tiles as it stores them.</summary>
[Collection(EngineGlobalsCollection.Name)]
public class WinogradTests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);

    public static IEnumerable<object[]> Shapes() =>
    [
        // n, cin, h, w, cout, pad, bias
        [3, 16, 8, 8, 16, 1, false],     // ResNet-20 stage 3 plane: several images per chunk
        [5, 32, 14, 14, 64, 1, true],    // the reference CNN's second layer; last chunk partly filled
        [2, 16, 16, 32, 16, 1, false],   // one image per chunk (8 rows of 16 tiles: the most columns a chunk takes)
        [2, 16, 32, 32, 16, 1, false],   // CIFAR stage 1: two bands of tile rows per image
        [2, 64, 32, 32, 24, 1, true],    // too large for one chunk: bands of tile rows; Cout not a multiple of 8
        [2, 8, 7, 9, 12, 1, true],       // odd output height and width: the last tiles are cut
        [2, 9, 6, 5, 8, 0, false],       // no padding: 4×3 outputs
        [2, 8, 5, 6, 9, 2, true],        // padding 2: the output is larger than the input
        [2, 8, 5, 19, 9, 2, false],      // padding 2, rows split 16 + 3 columns: the odd phase starts one column in
        [2, 8, 4, 25, 9, 0, true],       // no padding, rows split 16 + 8 + 1 columns
        [1, 300, 6, 6, 10, 1, true],     // Cin past one 256-deep GEMM block
        [1, 8, 1, 1, 8, 1, false],       // a single pixel: one tile, three quarters of it padding
        [2, 8, 11, 37, 8, 1, true],      // rows split 16 + 16 + 5 columns, the last tiles cut on both sides
    ];

    /// <summary>The direct reference of a 3×3 stride-1 convolution, and the same over the absolute values (the sum of the
    /// products' magnitudes, which bounds the error of transforms that add before multiplying).</summary>
    static (float[] Expected, float[] Magnitude, int OH, int OW) Reference(Tensor x, Tensor wt, Tensor? b, int pad)
    {
        int n = x.Shape[0], cin = x.Shape[1], h = x.Shape[2], w = x.Shape[3], cout = wt.Shape[0];
        static float[] Abs(float[] a) => a.Select(MathF.Abs).ToArray();
        var expected = ConvReference.Conv2d(x.ToArray(), n, cin, h, w, wt.ToArray(), cout, 3, 3, b?.ToArray(), 1, 1, pad, pad, 1, 1, 1, out int oh, out int ow);
        var magnitude = ConvReference.Conv2d(Abs(x.ToArray()), n, cin, h, w, Abs(wt.ToArray()), cout, 3, 3, b == null ? null : Abs(b.ToArray()), 1, 1, pad, pad, 1, 1, 1, out _, out _);
        return (expected, magnitude, oh, ow);
    }

    static Tensor Conv(Tensor x, Tensor w, Tensor? b, int pad, bool relu)
    {
        using var noGrad = GradMode.NoGrad();
        return relu ? Functional.Conv2dRelu(x, w, b, (1, 1), (pad, pad), (1, 1)) : Functional.Conv2d(x, w, b, 1, pad);
    }

    /// <summary>Runs on the AVX-512 or the AVX2 tiles, with Winograd allowed for layers of any channel count (the
    /// shapes here are small).</summary>
    static T OnPath<T>(bool avx512, Func<T> run)
    {
        var saved = Gemm.Path;
        Gemm.Path = avx512 ? GemmPath.Vector512 : GemmPath.Vector256;
        try { return AnyChannels(run); }
        finally { Gemm.Path = saved; }
    }

    static T AnyChannels<T>(Func<T> run)
    {
        int saved = Winograd.MinProductsPerValue;
        Winograd.MinProductsPerValue = 0;
        try { return run(); }
        finally { Winograd.MinProductsPerValue = saved; }
    }

    /// <summary>The tiles this CPU can run: AVX2 always (where the implicit tiles exist at all), AVX-512 where present.</summary>
    public static IEnumerable<object[]> ShapesOnEveryPath() =>
        Shapes().SelectMany(row => (Gemm.Path == GemmPath.Vector512 ? new[] { true, false } : [false])
            .Select(avx512 => (object[])[.. row, avx512]));

    [ImplicitGemmTheory, MemberData(nameof(ShapesOnEveryPath))]
    public void MatchesTheDirectReference(int n, int cin, int h, int w, int cout, int pad, bool bias, bool avx512)
    {
        var x = R(1, n, cin, h, w); var wt = R(2, cout, cin, 3, 3); var b = bias ? R(3, cout) : null;
        var geo = new ConvGeometry(cin, h, w, 3, 3, 1, 1, pad, pad, 1, 1, h + 2 * pad - 2, w + 2 * pad - 2);
        Assert.True(OnPath(avx512, () => Winograd.Applies(geo, 1, cout)));
        // the transforms add before multiplying: bound the error by the sum of the products' magnitudes
        var (expected, magnitude, oh, ow) = Reference(x, wt, b, pad);
        foreach (bool relu in new[] { false, true })
        {
            var y = OnLargeTiles(false, () => OnPath(avx512, () => Conv(x, wt, b, pad, relu)));
            Assert.Equal(new[] { n, cout, oh, ow }, y.Shape);
            for (int i = 0; i < expected.Length; i++)
            {
                float e = relu ? MathF.Max(expected[i], 0f) : expected[i];
                Assert.True(MathF.Abs(e - y.Data[i]) <= 1e-5f * (1 + magnitude[i]), $"relu={relu} [{i}] {y.Data[i]} vs {e}");
            }
        }
    }

    public static IEnumerable<object[]> LargeTileShapes() =>
        new object[][]
        {
            // n, cin, h, w, cout, pad, bias: output rows 13–16 wide, four tiles a row, two tile rows per vector
            [3, 32, 16, 16, 32, 1, true],    // ResNet-20 stage 2: several images per chunk
            [2, 8, 13, 13, 9, 1, false],     // 13 wide and high: the last tiles keep one column and one row
            [2, 8, 15, 14, 8, 1, true],      // 14 wide, 15 high: the last tile row keeps three rows
            [2, 9, 16, 16, 8, 0, true],      // no padding: 14×14 outputs
            [2, 8, 12, 12, 8, 2, false],     // padding 2: a 14×14 output from a 12×12 input
            [1, 96, 84, 16, 8, 1, false],    // bands of 8, 8 and 5 tile rows: an odd band's last row alone in its vector
            [1, 300, 16, 16, 10, 1, true],   // Cin past one 256-deep GEMM block
            // output rows 29–32 wide: one tile row of eight tiles per vector, from rows of up to 32 in two registers
            [2, 16, 32, 32, 16, 1, false],   // CIFAR stage 1: bands of four tile rows
            [2, 8, 29, 31, 9, 1, true],      // 29×31: the last tiles keep one row and three columns
            [2, 8, 32, 32, 8, 0, true],      // no padding: 30×30 outputs
            [2, 8, 30, 30, 8, 2, false],     // padding 2: 32×32 outputs from 30×30
            [1, 8, 44, 32, 8, 1, true],      // 44 rows: bands of 4, 4 and 3 tile rows
            // outputs of at most 8×8: 2×2 tiles, two images per vector
            [3, 64, 8, 8, 64, 1, true],      // ResNet-20 stage 3; an odd number of images: the last one alone
            [2, 8, 7, 7, 9, 1, false],       // 7×7: the last tiles keep three columns and rows
            [2, 8, 5, 6, 8, 1, true],        // 5×6: the lower tile row keeps one row
            [3, 8, 8, 8, 8, 0, true],        // no padding: 6×6 outputs
            [2, 8, 6, 6, 8, 2, false],       // padding 2: an 8×8 output from a 6×6 input
            [9, 16, 8, 8, 16, 1, false],     // more images than one chunk takes
            [2, 16, 6, 6, 16, 1, true],      // 6×6: each tile keeps two rows and columns
            [1, 16, 8, 8, 16, 1, false],     // a single image: the vector's other half has none
        }.SelectMany(row => (Gemm.Path == GemmPath.Vector512 ? new[] { true, false } : [false]).Select(avx512 => (object[])[.. row, avx512]));

    [ImplicitGemmTheory, MemberData(nameof(LargeTileShapes))]
    public void LargeTilesMatchTheDirectReference(int n, int cin, int h, int w, int cout, int pad, bool bias, bool avx512)
    {
        var x = R(21, n, cin, h, w); var wt = R(22, cout, cin, 3, 3); var b = bias ? R(23, cout) : null;
        var (expected, magnitude, oh, ow) = Reference(x, wt, b, pad);
        var small = OnLargeTiles(false, () => OnPath(avx512, () => Conv(x, wt, b, pad, relu: false))).ToArray();
        foreach (bool relu in new[] { false, true })
        {
            var y = OnLargeTiles(true, () => OnPath(avx512, () => Conv(x, wt, b, pad, relu)));
            Assert.Equal(new[] { n, cout, oh, ow }, y.Shape);
            // F(4×4, 3×3) ran where the CPU has AVX-512 (it cuts windows with its permutes), F(2×2, 3×3) elsewhere
            if (!relu && System.Runtime.Intrinsics.X86.Avx512F.IsSupported) Assert.NotEqual(small, y.ToArray());
            else if (!relu) Assert.Equal(small, y.ToArray());
            for (int i = 0; i < expected.Length; i++)
            {
                float e = relu ? MathF.Max(expected[i], 0f) : expected[i];
                Assert.True(MathF.Abs(e - y.Data[i]) <= 1e-5f * (1 + magnitude[i]), $"relu={relu} [{i}] {y.Data[i]} vs {e}");
            }
        }
    }

    static T OnLargeTiles<T>(bool on, Func<T> run)
    {
        bool saved = Winograd.LargeTiles;
        Winograd.LargeTiles = on;
        try { return run(); }
        finally { Winograd.LargeTiles = saved; }
    }

    [ImplicitGemmTheory]
    [InlineData(2, 16, 14, 14, 24, 1)]   // the reference CNN's shape: 7×7 pooled
    [InlineData(3, 8, 9, 11, 8, 1)]      // odd output: the last tile row and column have no pooling window
    [InlineData(1, 8, 6, 6, 12, 0)]      // no padding: 4×4 output, 2×2 pooled
    [InlineData(2, 8, 40, 40, 8, 1)]     // several chunks of one image each
    public void PoolingInTheKernelEqualsConvReluThenMaxPool(int n, int cin, int h, int w, int cout, int pad)
    {
        var x = R(9, n, cin, h, w); var wt = R(10, cout, cin, 3, 3); var b = R(11, cout);
        Tensor fused, separate;
        using (GradMode.NoGrad())
        {
            fused = AnyChannels(() => Functional.Conv2dReluMaxPool(x, wt, b, (1, 1), (pad, pad), (1, 1)));
            separate = AnyChannels(() => Functional.MaxPool2d(Functional.Conv2dRelu(x, wt, b, (1, 1), (pad, pad), (1, 1)), 2));
        }
        Assert.Equal(separate.Shape, fused.Shape);
        var a = separate.ToArray(); var f = fused.ToArray();
        for (int i = 0; i < a.Length; i++) Assert.True(MathF.Abs(a[i] - f[i]) <= 1e-4f * (1 + MathF.Abs(a[i])), $"[{i}] {f[i]} vs {a[i]}");
        Assert.Contains(f, v => v == 0f);
        Assert.Contains(f, v => v > 0f);
    }

    public static IEnumerable<object[]> LargeTilePoolingShapes() =>
        new object[][]
        {
            // n, cin, h, w, cout, pad: four tiles a row, two tile rows per vector
            [3, 32, 14, 14, 64, 1],   // the reference CNN's second layer: 7×7 pooled, its last tiles keep one pooled row and column
            [2, 8, 13, 13, 9, 1],     // 13×13: the last pooling windows are cut by the odd edge (6×6 pooled)
            [2, 8, 15, 14, 8, 1],     // 15 high: the last tile row keeps three output rows, one pooled row
            [2, 9, 16, 16, 8, 0],     // no padding: 14×14 outputs
            [2, 8, 10, 14, 8, 1],     // three tile rows: the last alone in its vector, its lower pooled row past the edge
            [1, 16, 84, 16, 8, 1],    // bands of 8, 8 and 5 tile rows
            // one tile row of eight tiles per vector: a pooled row of up to 16
            [2, 16, 32, 32, 16, 1],   // 16×16 pooled
            [2, 8, 29, 31, 9, 1],     // 29×31: 14×15 pooled
            [1, 8, 44, 32, 8, 1],     // 44 rows: bands of 4, 4 and 3 tile rows
        }.SelectMany(row => (Gemm.Path == GemmPath.Vector512 ? new[] { true, false } : [false]).Select(avx512 => (object[])[.. row, avx512]));

    /// <summary>F(4×4, 3×3) pools its 4×4 tiles as it stores them (each holds four whole windows): bit for bit the
    /// maximum of what its unpooled store writes (rounding is monotone, so the maximum of y + b is max(y) + b), within the
    /// direct reference's bound, and not F(2×2, 3×3)'s pooled result where the CPU has AVX-512 (so F(4×4, 3×3) ran).</summary>
    [ImplicitGemmTheory, MemberData(nameof(LargeTilePoolingShapes))]
    public void LargeTilesPoolInTheKernel(int n, int cin, int h, int w, int cout, int pad, bool avx512)
    {
        var x = R(24, n, cin, h, w); var wt = R(25, cout, cin, 3, 3); var b = R(26, cout);
        Tensor Pooled() { using var noGrad = GradMode.NoGrad(); return Functional.Conv2dReluMaxPool(x, wt, b, (1, 1), (pad, pad), (1, 1)); }
        Tensor Separate() { using var noGrad = GradMode.NoGrad(); return Functional.MaxPool2d(Functional.Conv2dRelu(x, wt, b, (1, 1), (pad, pad), (1, 1)), 2); }
        var fused = OnLargeTiles(true, () => OnPath(avx512, Pooled));
        Assert.Equal(OnLargeTiles(true, () => OnPath(avx512, Separate)).ToArray(), fused.ToArray());
        var small = OnLargeTiles(false, () => OnPath(avx512, Pooled)).ToArray();
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported) Assert.NotEqual(small, fused.ToArray());
        else Assert.Equal(small, fused.ToArray());

        var (expected, magnitude, oh, ow) = Reference(x, wt, b, pad);
        int ph = oh / 2, pw = ow / 2;
        Assert.Equal(new[] { n, cout, ph, pw }, fused.Shape);
        for (int plane = 0; plane < n * cout; plane++)
            for (int py = 0; py < ph; py++)
                for (int px = 0; px < pw; px++)
                {
                    float e = 0f, bound = 0f;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++)
                        {
                            int at = (plane * oh + 2 * py + dy) * ow + 2 * px + dx;
                            e = MathF.Max(e, expected[at]); bound = MathF.Max(bound, magnitude[at]);
                        }
                    float got = fused.Data[(plane * ph + py) * pw + px];
                    Assert.True(MathF.Abs(e - got) <= 1e-5f * (1 + bound), $"[{plane}, {py}, {px}] {got} vs {e}");
                }
    }

    [Fact]
    public void PoolingWithAGradientIsTheThreeOps()
    {
        var x = R(12, 2, 16, 8, 8); var wt = R(13, 16, 16, 3, 3);
        wt.RequiresGrad = true;
        var y = AnyChannels(() => Functional.Conv2dReluMaxPool(x, wt, null, (1, 1), (1, 1), (1, 1)));
        var expected = AnyChannels(() => Functional.MaxPool2d(Functional.Conv2d(x, wt, null, 1, 1).Relu(), 2));
        Assert.Equal(expected.ToArray(), y.ToArray());
        Assert.Equal(Autograd.Grad(expected.Sum(), [wt])[0]!.ToArray(), Autograd.Grad(y.Sum(), [wt])[0]!.ToArray());
    }

    [ImplicitGemmFact]
    public void SequentialPoolsInTheKernel()
    {
        var net = new Lineage.Engine.Nn.Sequential(new Lineage.Engine.Nn.Conv2d(8, 16, 3, new Generator(14), 1, 1), new Lineage.Engine.Nn.ReLU(), new Lineage.Engine.Nn.MaxPool2d(2));
        var x = R(15, 2, 8, 10, 10);
        Tensor fused, layered;
        using (GradMode.NoGrad())
        {
            fused = AnyChannels(() => net.Forward(x));
            layered = x;
            foreach (var (_, m) in net.NamedChildren()) layered = m.Forward(layered);
        }
        Assert.Equal(new[] { 2, 16, 5, 5 }, fused.Shape);
        var a = layered.ToArray(); var f = fused.ToArray();
        for (int i = 0; i < a.Length; i++) Assert.True(MathF.Abs(a[i] - f[i]) <= 1e-4f * (1 + MathF.Abs(a[i])), $"[{i}] {f[i]} vs {a[i]}");
    }

    [ImplicitGemmFact]
    public void DoesNotDependOnTheThreadCount()
    {
        var x = R(4, 7, 32, 14, 14); var wt = R(5, 64, 32, 3, 3); var b = R(6, 64);
        float[] Run(int threads)
        {
            int saved = EngineSettings.Threads;
            EngineSettings.Threads = threads;
            try { return Conv(x, wt, b, 1, relu: true).ToArray(); }
            finally { EngineSettings.Threads = saved; }
        }
        Assert.Equal(Run(1), Run(2));
        Assert.Equal(Run(1), Run(3));
    }

    public static IEnumerable<object[]> TrainingShapes() =>
        new object[][]
        {
            // n, cin, h, w, cout, pad
            [3, 16, 8, 8, 16, 1],     // 8×8 planes: column-shifted grid, the weight gradient lays out dy itself
            [2, 16, 6, 6, 16, 1],     // 6×6 planes: F(4×4, 3×3) on AVX-512
            [2, 16, 16, 16, 24, 1],   // "same" padding: dy copied onto the weight gradient's grid by the input gradient
            [2, 12, 7, 9, 8, 0],      // no padding: the input gradient pads dy by 2; odd sizes
            [2, 8, 5, 6, 10, 2],      // padding 2: the input gradient crops; Cin, Cout not multiples of 8
            [2, 64, 32, 32, 8, 1],    // bands of tile rows: each image copied for the weight gradient with its first band
        }.SelectMany(row => (Gemm.Path == GemmPath.Vector512 ? new[] { true, false } : [false]).Select(avx512 => (object[])[.. row, avx512]));

    [ImplicitGemmTheory, MemberData(nameof(TrainingShapes))]
    public void TrainingRunsOnWinogradWithTheDirectKernelsGradients(int n, int cin, int h, int w, int cout, int pad, bool avx512)
    {
        // with a gradient to record, the forward pass and the input gradient are Winograd convolutions (the same function
        // as the direct kernels', different rounding); the weight gradient is the implicit GEMM's on grids the Winograd
        // passes copied, bit for bit the direct path's, unless the layer takes the Winograd weight gradient too
        // (WinogradWeightGradientTests), which again differs by rounding
        var x = R(7, n, cin, h, w); var wt = R(8, cout, cin, 3, 3); var b = R(9, cout);
        int oh = h + 2 * pad - 2, ow = w + 2 * pad - 2;
        var upstream = R(10, n, cout, oh, ow);
        bool winogradWeights = false;
        (float[] Y, float[] Gx, float[] Gw, float[] Gb) Run(bool winograd)
        {
            bool saved = Winograd.Enabled;
            Winograd.Enabled = winograd;
            try
            {
                return OnPath(avx512, () =>
                {
                    if (winograd) winogradWeights = WinogradWeightGradient.Applies(new ConvGeometry(cin, h, w, 3, 3, 1, 1, pad, pad, 1, 1, oh, ow), cout);
                    var xs = x.Clone(); var ws = wt.Clone(); var bs = b.Clone();
                    xs.RequiresGrad = true; ws.RequiresGrad = true; bs.RequiresGrad = true;
                    var y = Functional.Conv2d(xs, ws, bs, 1, pad);
                    var g = Autograd.Grad((y * upstream).Sum(), [xs, ws, bs]);
                    return (y.ToArray(), g[0]!.ToArray(), g[1]!.ToArray(), g[2]!.ToArray());
                });
            }
            finally { Winograd.Enabled = saved; }
        }
        var direct = Run(winograd: false);
        var wino = Run(winograd: true);
        Assert.NotEqual(direct.Y, wino.Y);   // the Winograd kernel ran
        AssertClose(direct.Y, wino.Y, "output");
        AssertClose(direct.Gx, wino.Gx, "input gradient");
        Assert.NotEqual(direct.Gx, wino.Gx);
        if (winogradWeights) AssertClose(direct.Gw, wino.Gw, "weight gradient");
        else Assert.Equal(direct.Gw, wino.Gw);
        Assert.Equal(direct.Gb, wino.Gb);
    }

    static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= 2e-4f * (1 + MathF.Abs(expected[i])), $"{what} [{i}] {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void AppliesOnlyToThreeByThreeStrideOneLayersWithEnoughChannels()
    {
        static ConvGeometry G(int c, int k, int stride, int pad, int dilation) =>
            new(c, 16, 16, k, k, stride, stride, pad, pad, dilation, dilation, ConvGeometry.OutSize(16, k, stride, pad, dilation), ConvGeometry.OutSize(16, k, stride, pad, dilation));
        bool tiles = ImplicitConv.PathApplies;
        Assert.Equal(tiles, Winograd.Applies(G(32, 3, 1, 1, 1), 1, 32));
        Assert.Equal(tiles, Winograd.Applies(G(32, 3, 1, 1, 1), 1, 64));
        Assert.False(Winograd.Applies(G(32, 3, 2, 1, 1), 1, 32));   // stride 2
        Assert.False(Winograd.Applies(G(32, 3, 1, 2, 2), 1, 32));   // dilation 2
        Assert.False(Winograd.Applies(G(32, 5, 1, 2, 1), 1, 32));   // 5×5
        Assert.False(Winograd.Applies(G(32, 1, 1, 0, 1), 1, 32));   // 1×1
        Assert.False(Winograd.Applies(G(16, 3, 1, 1, 1), 2, 32));   // grouped
        // 16 → 16 channels: 8 multiplications per transformed value, measured slower than the implicit GEMM (on
        // F(4×4, 3×3) too in some spells and faster in others, so the bar is the same for both tile sizes)
        Assert.False(Winograd.Applies(G(16, 3, 1, 1, 1), 1, 16));
        Assert.False(Winograd.Applies(G(1, 3, 1, 1, 1), 1, 32));    // the reference CNN's first layer
    }
}
