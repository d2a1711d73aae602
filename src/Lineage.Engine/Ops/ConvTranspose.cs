using Lineage.Engine.Kernels;

namespace Lineage.Engine;

/// <summary>2-D transposed convolution as torch.nn.functional.conv_transpose2d (the gradient of conv2d
/// w.r.t. its input): a GEMM per image and group produces columns that are folded into the output.</summary>
public static partial class Functional
{
    /// <summary>input [N, Cin, H, W], weight [Cin, Cout/groups, kH, kW] (+ bias [Cout]) → [N, Cout, OH, OW] with
    /// OH = (H - 1)·stride - 2·padding + dilation·(kH - 1) + outputPadding + 1.</summary>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int outputPadding = 0, int dilation = 1, int groups = 1)
        => ConvTranspose2d(input, weight, bias, (stride, stride), (padding, padding), (outputPadding, outputPadding), (dilation, dilation), groups);

    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding,
        (int H, int W) outputPadding, (int H, int W) dilation, int groups = 1)
    {
        if (input.Rank != 4) throw new ArgumentException($"conv_transpose2d: input must be [N, C, H, W], got {Tensor.FormatShape(input.Shape)}");
        if (weight.Rank != 4) throw new ArgumentException($"conv_transpose2d: weight must be [Cin, Cout/groups, kH, kW], got {Tensor.FormatShape(weight.Shape)}");
        CheckWindow("conv_transpose2d", stride, padding, dilation, groups);
        if (outputPadding.H < 0 || outputPadding.W < 0 || outputPadding.H >= Math.Max(stride.H, dilation.H) || outputPadding.W >= Math.Max(stride.W, dilation.W))
            throw new ArgumentException($"conv_transpose2d: output padding {outputPadding} must be non-negative and smaller than stride {stride} or dilation {dilation}");
        int n = input.Shape[0], cin = input.Shape[1], h = input.Shape[2], w = input.Shape[3];
        int coutG = weight.Shape[1], kh = weight.Shape[2], kw = weight.Shape[3];
        if (weight.Shape[0] != cin || cin % groups != 0)
            throw new ArgumentException($"conv_transpose2d: input {Tensor.FormatShape(input.Shape)} with weight {Tensor.FormatShape(weight.Shape)} and groups={groups}: expected weight dim 0 = input channels ({cin}), divisible by groups");
        int cout = coutG * groups, cinG = cin / groups;
        if (bias != null && (bias.Rank != 1 || bias.Shape[0] != cout))
            throw new ArgumentException($"conv_transpose2d: bias must be [{cout}], got {Tensor.FormatShape(bias.Shape)}");
        int oh = (h - 1) * stride.H - 2 * padding.H + dilation.H * (kh - 1) + outputPadding.H + 1;
        int ow = (w - 1) * stride.W - 2 * padding.W + dilation.W * (kw - 1) + outputPadding.W + 1;
        if (oh <= 0 || ow <= 0)
            throw new ArgumentException($"conv_transpose2d: input {Tensor.FormatShape(input.Shape)} with kernel {kh}x{kw}, stride {stride}, padding {padding} gives an empty output {oh}x{ow}");

        // the kernel slides over the output image; its positions are the input pixels
        var geo = new ConvGeometry(coutG, oh, ow, kh, kw, stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W, h, w);
        int ckk = geo.ColRows, hw = h * w, outPlane = oh * ow;
        bool pointwise = geo.IsPointwise;
        int scratch = pointwise ? 0 : ckk * hw;
        long cost = 2L * cin * ckk * hw;
        var o = Tensor.Empty(n, cout, oh, ow);
        float[] xd = input.Data, wd = weight.Data, od = o.Data;
        float[]? bd = bias?.Data;
        BatchLoops.ForEachImage(n, cost, scratch, (img, col, serial) =>
        {
            for (int g = 0; g < groups; g++)
            {
                int xOff = (img * cin + g * cinG) * hw, oOff = (img * cout + g * coutG) * outPlane;
                if (pointwise) { BatchLoops.Gemm(serial, true, false, ckk, hw, cinG, 1f, wd, g * cinG * ckk, ckk, xd, xOff, hw, 0f, od, oOff, hw); }
                else
                {
                    BatchLoops.Gemm(serial, true, false, ckk, hw, cinG, 1f, wd, g * cinG * ckk, ckk, xd, xOff, hw, 0f, col, 0, hw);
                    var dst = od.AsSpan(oOff, coutG * outPlane);
                    dst.Clear();
                    Im2Col.FoldAdd(col, geo, dst);
                }
            }
            if (bd != null)
                for (int c = 0; c < cout; c++) Elementwise.BinaryScalarRight<AddOp>(od.AsSpan((img * cout + c) * outPlane, outPlane), bd[c], od.AsSpan((img * cout + c) * outPlane, outPlane));
        });

        Tensor[] parents = bias != null ? [input, weight, bias] : [input, weight];
        return Tensor.FromOp(o, "conv_transpose2d", parents, grad =>
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
                        int xOff = (img * cin + g * cinG) * hw, gOff = (img * cout + g * coutG) * outPlane;
                        float[] src = gd; int srcOff = gOff;
                        if (!pointwise) { Im2Col.Unfold(gd.AsSpan(gOff, coutG * outPlane), geo, col); src = col; srcOff = 0; }
                        BatchLoops.Gemm(serial, false, false, cinG, hw, ckk, 1f, wd, g * cinG * ckk, ckk, src, srcOff, hw, 0f, gxd, xOff, hw);
                    }
                });
            }
            if (weight.RequiresGrad)
            {
                gw = Tensor.Empty(weight.Shape);
                BatchLoops.SumOverImages(n, cin * ckk, cost, scratch, (img, col, acc, overwrite, serial) =>
                {
                    for (int g = 0; g < groups; g++)
                    {
                        int xOff = (img * cin + g * cinG) * hw, gOff = (img * cout + g * coutG) * outPlane;
                        float[] src = gd; int srcOff = gOff;
                        if (!pointwise) { Im2Col.Unfold(gd.AsSpan(gOff, coutG * outPlane), geo, col); src = col; srcOff = 0; }
                        BatchLoops.Gemm(serial, false, true, cinG, ckk, hw, 1f, xd, xOff, hw, src, srcOff, hw, overwrite ? 0f : 1f, acc, g * cinG * ckk, ckk);
                    }
                }, gw.Data);
            }
            if (bias != null && bias.RequiresGrad) gb = BatchLoops.ChannelSums(grad, n, cout, outPlane);
            return bias != null ? [gx, gw, gb] : [gx, gw];
        }, new ConvArgs(stride, padding, dilation, groups, outputPadding));
    }
}
