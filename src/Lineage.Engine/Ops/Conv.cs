using Lineage.Engine.Kernels;

namespace Lineage.Engine;

/// <summary>2-D convolution as torch.nn.functional.conv2d: im2col + GEMM per image and group
/// (no unfolding for pointwise 1×1 kernels), images spread over threads; an implicit GEMM where it applies, and
/// Winograd's F(2×2, 3×3) for the forward pass and input gradient of 3×3 stride-1 layers with enough channels.</summary>
public static partial class Functional
{
    /// <summary>input [N, Cin, H, W] ⊛ weight [Cout, Cin/groups, kH, kW] (+ bias [Cout]) → [N, Cout, OH, OW].</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
        => Conv2d(input, weight, bias, (stride, stride), (padding, padding), (dilation, dilation), groups);

    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups = 1)
        => Conv2d(input, weight, bias, stride, padding, dilation, groups, relu: false);

    /// <summary>relu(conv2d(...)) in one pass over the output. Without a gradient to record the ReLU is applied as
    /// each image's output is stored (inference: one write of the output instead of a conv write, a ReLU read and a
    /// ReLU write); when a gradient is needed it is the two ops in turn, so backward is unchanged.</summary>
    public static Tensor Conv2dRelu(Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups = 1)
        => Conv2d(input, weight, bias, stride, padding, dilation, groups, relu: true);

    /// <summary>max_pool2d(relu(conv2d(...)), 2): a convolution, ReLU and 2×2 stride-2 max pooling. Without a gradient to
    /// record, the kernel pools as it stores its output, so the full-resolution output is never written or read back:
    /// on the Winograd kernel each 2×2 output tile is one pooling window, on the implicit GEMM each pair of grid rows
    /// is pooled as it is copied out. Otherwise (a gradient, or a layer on neither kernel) it is the ops in turn.</summary>
    public static Tensor Conv2dReluMaxPool(Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups = 1)
        => Conv2d(input, weight, bias, stride, padding, dilation, groups, relu: true, residual: null, pool: true);

    /// <summary>The convolution (+ bias), then + <paramref name="residual"/> (the output's shape) and ReLU when
    /// <paramref name="relu"/>, each added as the kernels store their output; with <paramref name="pool"/> a 2×2
    /// stride-2 max pooling of the result. The fused stores have no backward pass of their own, so with a gradient to
    /// record these are the separate ops.</summary>
    static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups, bool relu, Tensor? residual = null, bool pool = false)
    {
        if (input.Rank != 4) throw new ArgumentException($"conv2d: input must be [N, C, H, W], got {Tensor.FormatShape(input.Shape)}");
        if (weight.Rank != 4) throw new ArgumentException($"conv2d: weight must be [Cout, Cin/groups, kH, kW], got {Tensor.FormatShape(weight.Shape)}");
        CheckWindow("conv2d", stride, padding, dilation, groups);
        int n = input.Shape[0], cin = input.Shape[1], h = input.Shape[2], w = input.Shape[3];
        int cout = weight.Shape[0], cinG = weight.Shape[1], kh = weight.Shape[2], kw = weight.Shape[3];
        if (cin % groups != 0 || cout % groups != 0 || cinG * groups != cin)
            throw new ArgumentException($"conv2d: input {Tensor.FormatShape(input.Shape)} with weight {Tensor.FormatShape(weight.Shape)} and groups={groups}: expected input channels = weight dim 1 × groups ({cinG * groups}) and output channels divisible by groups");
        if (bias != null && (bias.Rank != 1 || bias.Shape[0] != cout))
            throw new ArgumentException($"conv2d: bias must be [{cout}], got {Tensor.FormatShape(bias.Shape)}");
        int oh = ConvGeometry.OutSize(h, kh, stride.H, padding.H, dilation.H), ow = ConvGeometry.OutSize(w, kw, stride.W, padding.W, dilation.W);
        if (oh <= 0 || ow <= 0)
            throw new ArgumentException($"conv2d: input {Tensor.FormatShape(input.Shape)} is smaller than the dilated kernel {kh}x{kw} (dilation {dilation}, padding {padding}): output would be {oh}x{ow}");

        var geo = new ConvGeometry(cinG, h, w, kh, kw, stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W, oh, ow);
        int coutG = cout / groups, ckk = geo.ColRows, hw = geo.ColCols, inPlane = h * w;
        bool pointwise = geo.IsPointwise;
        int scratch = pointwise ? 0 : ckk * hw;
        long cost = 2L * cout * ckk * hw;
        if (residual != null && (residual.Rank != 4 || residual.Shape[0] != n || residual.Shape[1] != cout || residual.Shape[2] != oh || residual.Shape[3] != ow))
            throw new ArgumentException($"conv2d: the residual {Tensor.FormatShape(residual.Shape)} must have the output's shape [{n}, {cout}, {oh}, {ow}]");
        bool recorded = GradMode.Records(input, weight, bias, residual);
        if (recorded && (relu || residual != null || pool))
        {
            var y = Conv2d(input, weight, bias, stride, padding, dilation, groups, relu: false);
            if (residual != null) y = y + residual;
            if (relu) y = y.Relu();
            return pool ? MaxPool2d(y, 2) : y;
        }
        bool winograd = Winograd.Applies(geo, groups, cout);
        if (pool)
        {
            if (oh < 2 || ow < 2 || !winograd && !ImplicitConv.Applies(geo, groups))
                return MaxPool2d(Conv2d(input, weight, bias, stride, padding, dilation, groups, relu), 2);
            var pooled = Tensor.Empty(n, cout, oh / 2, ow / 2);
            if (winograd) Winograd.Forward(input.Data, n, geo, weight.Data, cout, bias?.Data, pooled.Data, relu, pool: true);
            else
            {
                var panels = ImplicitConv.PackWeights(weight.Data, cout, geo.ColRows);
                try { ImplicitConv.Forward(input.Data, n, geo, panels, cout, bias?.Data, pooled.Data, padded: null, relu, pool: true); }
                finally { BufferPool.Return(panels); }
            }
            return pooled;
        }
        var o = Tensor.Empty(n, cout, oh, ow);
        float[]? rd = residual?.Data;
        float[] xd = input.Data, wd = weight.Data, od = o.Data;
        float[]? bd = bias?.Data;
        var args = new ConvArgs(stride, padding, dilation, groups);
        if (groups > 1 && cinG == 1)
        {
            var d = DepthwiseConv2d(input, weight, bias, o, geo, args);
            if (residual != null) d = d + residual;
            return relu ? d.Relu() : d;
        }
        if (!recorded && winograd)
        {
            Winograd.Forward(xd, n, geo, wd, cout, bd, od, relu, rd);
            return o;
        }
        if (ImplicitConv.Applies(geo, groups)) return ImplicitConv2d(input, weight, bias, o, geo, args, relu, rd, winograd);
        BatchLoops.ForEachImage(n, cost, scratch, (img, col, serial) =>
        {
            int outBase = img * cout * hw;
            if (bd != null) for (int c = 0; c < cout; c++) od.AsSpan(outBase + c * hw, hw).Fill(bd[c]);
            for (int g = 0; g < groups; g++)
            {
                int xOff = (img * cin + g * cinG) * inPlane;
                float[] src = xd; int srcOff = xOff;
                if (!pointwise) { Im2Col.Unfold(xd.AsSpan(xOff, cinG * inPlane), geo, col); src = col; srcOff = 0; }
                BatchLoops.Gemm(serial, false, false, coutG, hw, ckk, 1f, wd, g * coutG * ckk, ckk, src, srcOff, hw, bd != null ? 1f : 0f, od, outBase + g * coutG * hw, hw);
            }
            var outs = od.AsSpan(outBase, cout * hw);
            if (rd != null) Elementwise.Binary<AddOp>(outs, rd.AsSpan(outBase, cout * hw), outs);
            if (relu) Elementwise.BinaryScalarRight<MaxOp>(outs, 0f, outs);
        });

        Tensor[] parents = bias != null ? [input, weight, bias] : [input, weight];
        return Tensor.FromOp(o, "conv2d", parents, grad =>
        {
            var gd = grad.Data;
            Tensor? gx = null, gw = null, gb = null;
            if (input.RequiresGrad)
            {
                gx = Tensor.Empty(input.Shape);
                var gxd = gx.Data;
                BatchLoops.ForEachImage(n, cost, scratch, (img, col, serial) =>
                {
                    for (int g = 0; g < groups; g++)
                    {
                        int xOff = (img * cin + g * cinG) * inPlane, gOff = (img * cout + g * coutG) * hw;
                        if (pointwise) { BatchLoops.Gemm(serial, true, false, ckk, hw, coutG, 1f, wd, g * coutG * ckk, ckk, gd, gOff, hw, 0f, gxd, xOff, hw); continue; }
                        BatchLoops.Gemm(serial, true, false, ckk, hw, coutG, 1f, wd, g * coutG * ckk, ckk, gd, gOff, hw, 0f, col, 0, hw);
                        var dst = gxd.AsSpan(xOff, cinG * inPlane);
                        dst.Clear();
                        Im2Col.FoldAdd(col, geo, dst);
                    }
                });
            }
            if (weight.RequiresGrad)
            {
                gw = Tensor.Empty(weight.Shape);
                BatchLoops.SumOverImages(n, cout * ckk, cost, scratch, (img, col, acc, overwrite, serial) =>
                {
                    for (int g = 0; g < groups; g++)
                    {
                        int xOff = (img * cin + g * cinG) * inPlane, gOff = (img * cout + g * coutG) * hw;
                        float[] src = xd; int srcOff = xOff;
                        if (!pointwise) { Im2Col.Unfold(xd.AsSpan(xOff, cinG * inPlane), geo, col); src = col; srcOff = 0; }
                        BatchLoops.Gemm(serial, false, true, coutG, ckk, hw, 1f, gd, gOff, hw, src, srcOff, hw, overwrite ? 0f : 1f, acc, g * coutG * ckk, ckk);
                    }
                }, gw.Data);
            }
            if (bias != null && bias.RequiresGrad) gb = BatchLoops.ChannelSums(grad, n, cout, hw);
            return bias != null ? [gx, gw, gb] : [gx, gw];
        }, args);
    }

    /// <summary>Stride-1 and stride-2 single-group convolutions: implicit GEMM on the padded image (for stride 2, on
    /// its four phases), no im2col matrix. The stride-1 input gradient is the same kernel run over the output
    /// gradient with rotated weights; the stride-2 one is one such GEMM per phase of the input.
    /// When the weight will need a gradient, the zero-padded input of the forward pass is kept (as a
    /// scope-tracked pooled tensor) for the weight gradient instead of being padded again, and with
    /// "same" padding the weight gradient reads the output gradient as padded for the input gradient.
    /// With <paramref name="winograd"/> (a 3×3 stride-1 layer <see cref="Winograd.Applies"/> to) the forward pass and
    /// the input gradient are Winograd convolutions, 2.25× fewer multiplications, which copy the padded input and
    /// output gradient for the weight gradient as they go, unless that is Winograd's too
    /// (<see cref="WinogradWeightGradient"/>), which reads the input and output gradient themselves.</summary>
    static Tensor ImplicitConv2d(Tensor input, Tensor weight, Tensor? bias, Tensor o, ConvGeometry geo, ConvArgs args, bool relu, float[]? residual, bool winograd = false)
    {
        int n = input.Shape[0], cin = input.Shape[1], cout = weight.Shape[0];
        // a Winograd weight gradient reads the input itself, not a padded copy
        bool winogradWeights = WinogradWeightGradient.Applies(geo, cout);
        bool keepPadded = GradMode.IsEnabled && weight.RequiresGrad && !winogradWeights;
        var padded = keepPadded ? Tensor.Empty(ImplicitConv.PaddedFloats(geo, n)) : null;
        if (winograd) Winograd.Forward(input.Data, n, geo, weight.Data, cout, bias?.Data, o.Data, relu, residual, padded: padded?.Data);
        else
        {
            var panels = ImplicitConv.PackWeights(weight.Data, cout, geo.ColRows);
            try { ImplicitConv.Forward(input.Data, n, geo, panels, cout, bias?.Data, o.Data, padded?.Data, relu, residual); }
            finally { BufferPool.Return(panels); }
        }
        Tensor[] parents = bias != null ? [input, weight, bias] : [input, weight];
        return Tensor.FromOp(o, "conv2d", parents, grad =>
        {
            Tensor? gx = null, gw = null, gb = null;
            var bg = ImplicitConv.BackwardGeometry(geo, cout);
            bool wantW = weight.RequiresGrad, share = wantW && !winogradWeights && ImplicitConv.SharesGradientGrid(geo);
            float[]? dyp = share ? BufferPool.Rent(ImplicitConv.PaddedFloats(bg, n)) : null;
            try
            {
                // where the input already has a gradient from another op (a residual block's shortcut, or the first
                // block of a stage's projection), the convolution's part is added into it as it is stored (the sum is
                // the same, one pass fewer)
                var pending = input.RequiresGrad ? Autograd.PendingGradient(input) : null;
                // stride 2: the input gradient is a transposed convolution, run as one implicit GEMM per input phase
                if (input.RequiresGrad && geo.SH != 1)
                {
                    gx = pending ?? Tensor.Empty(input.Shape);
                    ImplicitConv.Stride2InputGradient(grad.Data, n, geo, weight.Data, cout, gx.Data, accumulate: pending != null);
                }
                // the input-gradient convolution has the forward's kernel and channel pair (swapped), so Winograd
                // applies to it exactly when it applied to the forward pass
                else if (input.RequiresGrad && winograd)
                {
                    gx = pending ?? Tensor.Empty(input.Shape);
                    Winograd.InputGradient(grad.Data, n, bg, weight.Data, cin, gx.Data, share ? dyp : null, accumulate: pending != null);
                }
                else if (input.RequiresGrad)
                {
                    gx = pending ?? Tensor.Empty(input.Shape);
                    var rotated = ImplicitConv.PackRotatedWeights(weight.Data, cout, cin, geo.KH, geo.KW);
                    try { ImplicitConv.Forward(grad.Data, n, bg, rotated, cin, null, gx.Data, share ? dyp : null, residual: pending?.Data); }
                    finally { BufferPool.Return(rotated); }
                }
                else if (share) ImplicitConv.PadImages(grad.Data, n, bg, dyp!);
                if (wantW && winogradWeights)
                {
                    gw = Tensor.Empty(weight.Shape);
                    WinogradWeightGradient.Run(input.Data, grad.Data, n, geo, cout, gw.Data);
                }
                else if (wantW)
                {
                    gw = Tensor.Empty(weight.Shape);
                    // the forward kept the padded input unless the weight needed no gradient then
                    var xpb = padded?.Data ?? BufferPool.Rent(ImplicitConv.PaddedFloats(geo, n));
                    try
                    {
                        if (padded == null) ImplicitConv.PadImages(input.Data, n, geo, xpb);
                        ImplicitConv.WeightGradient(xpb, share ? null : grad.Data, n, geo, cout, gw.Data, share ? dyp : null);
                    }
                    finally { if (padded == null) BufferPool.Return(xpb); }
                }
            }
            finally { if (dyp != null) BufferPool.Return(dyp); }
            if (bias != null && bias.RequiresGrad) gb = BatchLoops.ChannelSums(grad, n, cout, geo.OH * geo.OW);
            return bias != null ? [gx, gw, gb] : [gx, gw];
        }, args);
    }

    /// <summary>groups = Cin: direct kernel, since each group's GEMM would have a single input row.</summary>
    static Tensor DepthwiseConv2d(Tensor input, Tensor weight, Tensor? bias, Tensor o, ConvGeometry geo, ConvArgs args)
    {
        int n = input.Shape[0], cin = input.Shape[1], cout = weight.Shape[0];
        Depthwise.Forward(input.Data, weight.Data, bias?.Data, o.Data, n, cin, cout, geo);
        Tensor[] parents = bias != null ? [input, weight, bias] : [input, weight];
        return Tensor.FromOp(o, "conv2d", parents, grad =>
        {
            Tensor? gx = null, gw = null, gb = null;
            if (input.RequiresGrad) { gx = Tensor.Empty(input.Shape); Depthwise.BackwardInput(grad.Data, weight.Data, gx.Data, n, cin, cout, geo); }
            if (weight.RequiresGrad) { gw = Tensor.Empty(weight.Shape); Depthwise.BackwardWeight(grad.Data, input.Data, gw.Data, n, cin, cout, geo); }
            if (bias != null && bias.RequiresGrad) gb = BatchLoops.ChannelSums(grad, n, cout, geo.OH * geo.OW);
            return bias != null ? [gx, gw, gb] : [gx, gw];
        }, args);
    }

    static void CheckWindow(string op, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups)
    {
        if (stride.H < 1 || stride.W < 1) throw new ArgumentException($"{op}: stride must be positive, got {stride}");
        if (padding.H < 0 || padding.W < 0) throw new ArgumentException($"{op}: padding must be non-negative, got {padding}");
        if (dilation.H < 1 || dilation.W < 1) throw new ArgumentException($"{op}: dilation must be positive, got {dilation}");
        if (groups < 1) throw new ArgumentException($"{op}: groups must be positive, got {groups}");
    }
}
