using Lineage.Engine.Kernels;

namespace Lineage.Engine.Tests;

/// <summary>The implicit-GEMM stride-1 and stride-2 convolution (padded grid or its phases, no im2col): forward against the direct
/// reference, gradients against the im2col + GEMM path and finite differences, thread-count independence.</summary>
[Collection(EngineGlobalsCollection.Name)]
public class ImplicitConvTests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);

    public static IEnumerable<object[]> Shapes() =>
    [
        // n, cin, h, w, cout, k, pad, dilation, bias, stride
        [3, 16, 8, 8, 16, 3, 1, 1, false, 1],
        [2, 32, 6, 7, 32, 3, 1, 1, true, 1],
        [2, 64, 6, 6, 64, 3, 1, 1, false, 1],
        [4, 3, 10, 9, 16, 3, 1, 1, false, 1],   // stem: K = 27, not a multiple of the 6-wide gradient tile (3 edge taps)
        [2, 40, 7, 6, 12, 3, 1, 1, true, 1],    // K = 360 > one 256-deep block; Cout not a multiple of 8
        [2, 5, 11, 12, 5, 3, 2, 2, true, 1],    // dilation 2
        [2, 4, 14, 14, 6, 5, 2, 1, false, 1],   // 5×5 window; K = 100: last tile 4 wide (4×4 kernel), Cout edge rows
        [2, 5, 10, 12, 8, 5, 2, 1, false, 1],   // K = 125: last gradient tile 5 wide (4×4 kernel + one edge tap)
        [1, 16, 32, 32, 16, 3, 1, 1, false, 1], // CIFAR stage-1 plane: tiles straddle output rows
        [2, 8, 12, 12, 8, 3, 0, 1, true, 1],    // no padding: the weight gradient lays out its own output gradient
        [2, 6, 9, 20, 7, 3, 1, 2, false, 1],    // padding 1 with dilation 2: not "same", no shared gradient grid
        // stride 2: the grid is the padded image's four phases
        [2, 16, 32, 32, 32, 3, 1, 1, false, 2], // CIFAR stage-2 entry: 17-wide phase grid
        [2, 32, 16, 16, 64, 1, 0, 1, false, 2], // 1×1 shortcut: only phase (0, 0) is read
        [3, 5, 9, 11, 6, 3, 1, 1, true, 2],     // odd sizes, bias
        [2, 4, 13, 12, 8, 3, 0, 1, false, 2],   // no padding
        [2, 3, 12, 12, 5, 5, 2, 1, false, 2],   // 5×5 window: taps two rows deep within a phase
        [2, 4, 15, 15, 6, 3, 2, 2, false, 2],   // dilation 2: every tap in phase (0, 0)
        [2, 3, 7, 37, 4, 5, 2, 1, true, 2],     // rows split 16 columns at a time by vector shuffles, then 5 one by one
        [2, 3, 6, 33, 4, 3, 1, 1, false, 2],    // the same with padding 1: the even columns start a phase row
        [2, 4, 11, 10, 6, 3, 2, 1, true, 2],    // padding 2: the phases start two columns in; 7×6 outputs
    ];

    /// <summary>Every shape on both stride-1 grids: the padded rows, and the column-shifted copies.</summary>
    public static IEnumerable<object[]> ShapesOnBothGrids() =>
        Shapes().SelectMany(row => new[] { (object[])[.. row, false], [.. row, true] });

    internal static T OnGrid<T>(bool columnShifted, Func<T> run)
    {
        int saved = ImplicitConv.ShiftedWasteDivisor;
        bool savedWinograd = Winograd.Enabled;
        ImplicitConv.ShiftedWasteDivisor = columnShifted ? 1 << 20 : 0;
        // without a gradient, 3×3 stride-1 layers would take the Winograd kernel (WinogradTests) instead of these
        Winograd.Enabled = false;
        try { return run(); }
        finally { ImplicitConv.ShiftedWasteDivisor = saved; Winograd.Enabled = savedWinograd; }
    }

    static bool Takes(int cin, int h, int w, int k, int pad, int dilation, int stride)
    {
        int oh = ConvGeometry.OutSize(h, k, stride, pad, dilation), ow = ConvGeometry.OutSize(w, k, stride, pad, dilation);
        return ImplicitConv.Applies(new ConvGeometry(cin, h, w, k, k, stride, stride, pad, pad, dilation, dilation, oh, ow), 1);
    }

    [ImplicitGemmTheory, MemberData(nameof(ShapesOnBothGrids))]
    public void ForwardMatchesReference(int n, int cin, int h, int w, int cout, int k, int pad, int dilation, bool bias, int stride, bool columnShifted)
    {
        Assert.True(OnGrid(columnShifted, () => Takes(cin, h, w, k, pad, dilation, stride)));
        var x = R(1, n, cin, h, w); var wt = R(2, cout, cin, k, k); var b = bias ? R(3, cout) : null;
        var y = OnGrid(columnShifted, () => Functional.Conv2d(x, wt, b, stride, pad, dilation));
        var expected = ConvReference.Conv2d(x.ToArray(), n, cin, h, w, wt.ToArray(), cout, k, k, b?.ToArray(), stride, stride, pad, pad, dilation, dilation, 1, out int oh, out int ow);
        Assert.Equal(new[] { n, cout, oh, ow }, y.Shape);
        for (int i = 0; i < expected.Length; i++) Assert.True(MathF.Abs(expected[i] - y.Data[i]) < 1e-4f * (1 + MathF.Abs(expected[i])), $"[{i}] {y.Data[i]} vs {expected[i]}");
    }

    [ImplicitGemmTheory, MemberData(nameof(ShapesOnBothGrids))]
    public void GradientsMatchIm2ColPath(int n, int cin, int h, int w, int cout, int k, int pad, int dilation, bool bias, int stride, bool columnShifted)
        => AssertGradientsMatchIm2Col(R(4, n, cin, h, w), R(5, cout, cin, k, k), bias ? R(6, cout) : null, stride, pad, dilation,
            upstreamSeed: 7, tolerance: 1e-4f, onPath: grads => OnGrid(columnShifted, grads));

    /// <summary>The gradients of Σ conv(x)·upstream for x, w (and b) on the engine's kernels, run through
    /// <paramref name="onPath"/>, against the im2col + GEMM path, within <paramref name="tolerance"/> relative.</summary>
    internal static void AssertGradientsMatchIm2Col(Tensor x, Tensor wt, Tensor? b, int stride, int pad, int dilation, int upstreamSeed,
        float tolerance, Func<Func<Tensor?[]>, Tensor?[]> onPath)
    {
        Tensor?[] Grads()
        {
            Tensor[] inputs = b != null ? [x, wt, b] : [x, wt];
            foreach (var t in inputs) t.RequiresGrad = true;
            var y = Functional.Conv2d(x, wt, b, stride, pad, dilation);
            var upstream = R(upstreamSeed, y.Shape);
            return Autograd.Grad((y * upstream).Sum(), inputs);
        }
        var fast = onPath(Grads);
        ImplicitConv.Enabled = false;
        Tensor?[] slow;
        try { slow = Grads(); }
        finally { ImplicitConv.Enabled = true; }
        for (int t = 0; t < fast.Length; t++)
        {
            float[] f = fast[t]!.ToArray(), s = slow[t]!.ToArray();
            for (int i = 0; i < s.Length; i++) Assert.True(MathF.Abs(f[i] - s[i]) < tolerance * (1 + MathF.Abs(s[i])), $"grad {t} [{i}] {f[i]} vs {s[i]}");
        }
    }

    /// <summary>A 1×3 window with stride 2 and padding 1: the input gradient's output-gradient grid has no zero row
    /// below the last one (its phase planes are exactly OH rows high) but a zero column left of each row, so laying the
    /// gradient's last row must not clear past its plane; and its rows are interleaved from a 17-wide phase pair.</summary>
    [ImplicitGemmFact]
    public void GradientsOfAOneByThreeStride2WindowMatchIm2ColPath()
    {
        Assert.True(ImplicitConv.Applies(new ConvGeometry(5, 8, 33, 1, 3, 2, 2, 1, 1, 1, 1, 5, 17), 1));
        AssertGradientsMatchIm2Col(R(30, 2, 5, 8, 33), R(31, 6, 5, 1, 3), R(32, 6), stride: 2, pad: 1, dilation: 1,
            upstreamSeed: 33, tolerance: 1e-4f, onPath: grads => grads());
    }

    /// <summary>A batch of several image blocks (here one image each): the weight gradient splits the images over the
    /// threads, each block into its own partial sum, and adds the partials in block order.</summary>
    [ImplicitGemmTheory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(2, false)]
    public void WeightGradientInImageBlocksMatchesIm2ColPath(int stride, bool columnShifted)
    {
        int saved = ImplicitConv.BlockBytes;
        ImplicitConv.BlockBytes = 1;
        try
        {
            GradientsMatchIm2ColPath(6, 16, 9, 9, 12, 3, 1, 1, true, stride, columnShifted);
            GradientsMatchIm2ColPath(5, 3, 10, 9, 16, 3, 1, 1, false, stride, columnShifted); // the stem's 27 taps: edge tiles
            GradientsMatchIm2ColPath(4, 4, 14, 14, 6, 5, 2, 1, false, stride, columnShifted); // Cout 6: edge rows
        }
        finally { ImplicitConv.BlockBytes = saved; }
    }

    /// <summary>Only one of input and weight needs a gradient: the padded input kept from the forward pass,
    /// the padded output gradient shared with the weight gradient, and neither, all match the im2col path.</summary>
    [ImplicitGemmTheory]
    [InlineData(true, false, 1, 1, false)]
    [InlineData(false, true, 1, 1, false)]
    [InlineData(false, true, 0, 1, false)]
    [InlineData(true, false, 0, 1, false)]
    [InlineData(true, false, 1, 1, true)]
    [InlineData(false, true, 1, 1, true)]
    [InlineData(true, false, 1, 2, false)]
    [InlineData(false, true, 1, 2, false)]
    public void PartialGradientsMatchIm2ColPath(bool inputGrad, bool weightGrad, int pad, int stride, bool columnShifted)
    {
        var x = R(30, 3, 16, 9, 9); var wt = R(31, 12, 16, 3, 3);
        Tensor Grad()
        {
            x.RequiresGrad = inputGrad; wt.RequiresGrad = weightGrad;
            var y = Functional.Conv2d(x, wt, null, stride, pad);
            return Autograd.Grad((y * R(32, y.Shape)).Sum(), [inputGrad ? x : wt])[0]!;
        }
        var fast = OnGrid(columnShifted, Grad).ToArray();
        ImplicitConv.Enabled = false;
        float[] slow;
        try { slow = Grad().ToArray(); }
        finally { ImplicitConv.Enabled = true; }
        for (int i = 0; i < slow.Length; i++) Assert.True(MathF.Abs(fast[i] - slow[i]) < 1e-4f * (1 + MathF.Abs(slow[i])), $"[{i}] {fast[i]} vs {slow[i]}");
    }

    [Fact] public void GradCheckNoPadding() => GradCheck.Check(x => Functional.Conv2d(x[0], x[1], x[2]), [R(17, 2, 4, 8, 8), R(18, 6, 4, 3, 3), R(19, 6)]);
    [Fact] public void GradCheck16Channels() => GradCheck.Check(x => Functional.Conv2d(x[0], x[1], null, padding: 1), [R(10, 2, 16, 6, 6), R(11, 16, 16, 3, 3)]);
    [Fact] public void GradCheckBiasDilation() => GradCheck.Check(x => Functional.Conv2d(x[0], x[1], x[2], padding: 2, dilation: 2), [R(12, 2, 3, 8, 9), R(13, 5, 3, 3, 3), R(14, 5)]);
    [Fact] public void GradCheckStride2Channels16() => GradCheck.Check(x => Functional.Conv2d(x[0], x[1], null, stride: 2, padding: 1), [R(15, 2, 16, 6, 6), R(16, 8, 16, 3, 3)]);

    [Fact]
    public void ResultsDoNotDependOnThreadCount()
    {
        // enough images for several weight-gradient blocks, and a plane whose tiles straddle rows
        var x = R(20, 9, 16, 16, 16).RequireGrad(); var w = R(21, 32, 16, 3, 3).RequireGrad(); var b = R(22, 32).RequireGrad();
        Tensor[] Run(int threads)
        {
            int saved = EngineSettings.Threads;
            EngineSettings.Threads = threads;
            try
            {
                var y = Functional.Conv2d(x, w, b, padding: 1);
                var y2 = Functional.Conv2d(x, w, b, stride: 2, padding: 1);
                var grads = Autograd.Grad((y * R(23, y.Shape)).Sum() + (y2 * R(24, y2.Shape)).Sum(), [x, w, b]);
                return [y, y2, .. grads];
            }
            finally { EngineSettings.Threads = saved; }
        }
        var one = Run(1); var three = Run(3);
        for (int i = 0; i < one.Length; i++) Assert.Equal(one[i].ToArray(), three[i].ToArray());
        // and with the batch split into image blocks over the threads
        int saved = ImplicitConv.BlockBytes;
        ImplicitConv.BlockBytes = 1;
        try
        {
            one = Run(1); three = Run(3);
            for (int i = 0; i < one.Length; i++) Assert.Equal(one[i].ToArray(), three[i].ToArray());
        }
        finally { ImplicitConv.BlockBytes = saved; }
    }

    [ImplicitGemmTheory]
    [InlineData(2, 1, 28, 28, 32, 3, 1, 1, false)]   // the reference CNN's first layer: 14×14 pooled
    [InlineData(2, 1, 28, 28, 32, 3, 1, 1, true)]
    [InlineData(3, 3, 11, 9, 8, 3, 1, 1, false)]     // odd output: the last row and column have no window
    [InlineData(2, 4, 13, 12, 8, 3, 2, 1, false)]    // stride 2: the phase grid
    [InlineData(2, 4, 14, 14, 6, 5, 1, 2, true)]     // 5×5 window, column-shifted grid
    public void PoolingInTheStoreEqualsConvReluThenMaxPool(int n, int cin, int h, int w, int cout, int k, int stride, int pad, bool columnShifted)
    {
        var x = R(20, n, cin, h, w); var wt = R(21, cout, cin, k, k); var b = R(22, cout);
        Tensor fused, separate;
        using (GradMode.NoGrad())
        {
            fused = OnGrid(columnShifted, () => Functional.Conv2dReluMaxPool(x, wt, b, (stride, stride), (pad, pad), (1, 1)));
            separate = OnGrid(columnShifted, () => Functional.MaxPool2d(Functional.Conv2dRelu(x, wt, b, (stride, stride), (pad, pad), (1, 1)), 2));
        }
        Assert.Equal(separate.Shape, fused.Shape);
        // the same grid and tiles compute both: the pooled store only picks maxima, so the values are identical
        Assert.Equal(separate.ToArray(), fused.ToArray());
        Assert.Contains(fused.ToArray(), v => v == 0f);
        Assert.Contains(fused.ToArray(), v => v > 0f);
    }
}
