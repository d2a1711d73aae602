using Lineage.Engine.Kernels;

namespace Lineage.Engine;

/// <summary>2-D pooling as torch.nn.functional (floor mode): max (gradient to the first maximum of each
/// window), average (with or without the zero padding in the divisor) and adaptive average.
/// Every plane (image, channel) is independent, so planes are spread over threads.</summary>
public static partial class Functional
{
    public static Tensor MaxPool2d(Tensor input, int kernel, int? stride = null, int padding = 0)
        => MaxPool2d(input, (kernel, kernel), (stride ?? kernel, stride ?? kernel), (padding, padding));

    public static Tensor MaxPool2d(Tensor input, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding)
    {
        var (n, c, h, w, oh, ow) = PoolShape("max_pool2d", input, kernel, stride, padding);
        int planes = n * c, inPlane = h * w, outPlane = oh * ow;
        var o = Tensor.Empty(n, c, oh, ow);
        // argmax indices live in a pooled buffer (read as ints) so a training step's scope recycles them; without a
        // gradient to route they are not computed at all
        var argmaxStore = GradMode.IsEnabled && input.RequiresGrad ? Tensor.Empty(n, c, oh, ow) : null;
        float[] xd = input.Data, od = o.Data;
        float[]? ad = argmaxStore?.Data;
        bool twoByTwo = MaxPoolKernels.TwoByTwoApplies(kernel, stride, padding);
        Par.For(planes, (long)outPlane * kernel.H * kernel.W, (p0, p1) =>
        {
            unsafe
            {
                fixed (float* x0 = xd, o0 = od, a0 = ad)
                {
                    if (twoByTwo) MaxPoolKernels.TwoByTwo(x0, o0, (int*)a0, p0, p1, h, w, oh, ow);
                    else MaxPoolKernels.Windowed(x0, o0, (int*)a0, p0, p1, h, w, oh, ow, kernel, stride, padding);
                }
            }
        });
        return Tensor.FromOp(o, "max_pool2d", [input], g =>
        {
            var gx = Tensor.Zeros(input.Shape);
            float[] gd = g.Data, gxd = gx.Data;
            Par.For(planes, outPlane, (p0, p1) =>
            {
                var argmax = System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(ad!.AsSpan());
                for (int p = p0; p < p1; p++)
                {
                    int iBase = p * inPlane, oBase = p * outPlane;
                    for (int i = 0; i < outPlane; i++) gxd[iBase + argmax[oBase + i]] += gd[oBase + i];
                }
            });
            return [gx];
        }, new PoolArgs(kernel, stride, padding, false));
    }

    public static Tensor AvgPool2d(Tensor input, int kernel, int? stride = null, int padding = 0, bool countIncludePad = true)
        => AvgPool2d(input, (kernel, kernel), (stride ?? kernel, stride ?? kernel), (padding, padding), countIncludePad);

    public static Tensor AvgPool2d(Tensor input, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding, bool countIncludePad = true)
    {
        var (n, c, h, w, oh, ow) = PoolShape("avg_pool2d", input, kernel, stride, padding);
        int planes = n * c, inPlane = h * w, outPlane = oh * ow;
        // window bounds and divisor per output position are the same for every plane
        var windows = new (int hs, int he, int ws, int we, float scale)[outPlane];
        for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
            {
                int hs = y * stride.H - padding.H, ws = x * stride.W - padding.W;
                int he = Math.Min(hs + kernel.H, h + padding.H), we = Math.Min(ws + kernel.W, w + padding.W);
                int padded = (he - hs) * (we - ws);
                hs = Math.Max(hs, 0); ws = Math.Max(ws, 0); he = Math.Min(he, h); we = Math.Min(we, w);
                int count = countIncludePad ? padded : (he - hs) * (we - ws);
                windows[y * ow + x] = (hs, he, ws, we, 1f / count);
            }
        return WindowAverage("avg_pool2d", input, n, c, oh, ow, windows, new PoolArgs(kernel, stride, padding, countIncludePad));
    }

    /// <summary>Average over the windows [⌊i·H/outH⌋, ⌈(i+1)·H/outH⌉) as torch's adaptive_avg_pool2d.</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor input, int outH, int outW)
    {
        if (input.Rank != 4) throw new ArgumentException($"adaptive_avg_pool2d: input must be [N, C, H, W], got {Tensor.FormatShape(input.Shape)}");
        if (outH < 1 || outW < 1) throw new ArgumentException($"adaptive_avg_pool2d: output size must be positive, got {outH}x{outW}");
        int n = input.Shape[0], c = input.Shape[1], h = input.Shape[2], w = input.Shape[3];
        if (h < 1 || w < 1) throw new ArgumentException($"adaptive_avg_pool2d: input {Tensor.FormatShape(input.Shape)} has an empty plane");
        var windows = new (int hs, int he, int ws, int we, float scale)[outH * outW];
        for (int y = 0; y < outH; y++)
            for (int x = 0; x < outW; x++)
            {
                int hs = y * h / outH, he = ((y + 1) * h + outH - 1) / outH;
                int ws = x * w / outW, we = ((x + 1) * w + outW - 1) / outW;
                windows[y * outW + x] = (hs, he, ws, we, 1f / ((he - hs) * (we - ws)));
            }
        return WindowAverage("adaptive_avg_pool2d", input, n, c, outH, outW, windows, null);
    }

    public static Tensor AdaptiveAvgPool2d(Tensor input, int outputSize) => AdaptiveAvgPool2d(input, outputSize, outputSize);

    static Tensor WindowAverage(string op, Tensor input, int n, int c, int oh, int ow, (int hs, int he, int ws, int we, float scale)[] windows, PoolArgs? args)
    {
        int h = input.Shape[2], w = input.Shape[3], planes = n * c, inPlane = h * w, outPlane = oh * ow;
        var o = Tensor.Empty(n, c, oh, ow);
        float[] xd = input.Data, od = o.Data;
        Par.For(planes, (long)inPlane + outPlane, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                var src = xd.AsSpan(p * inPlane, inPlane);
                for (int i = 0; i < outPlane; i++)
                {
                    var (hs, he, ws, we, scale) = windows[i];
                    float s = 0;
                    for (int y = hs; y < he; y++)
                        for (int x = ws; x < we; x++) s += src[y * w + x];
                    od[p * outPlane + i] = s * scale;
                }
            }
        });
        return Tensor.FromOp(o, op, [input], g =>
        {
            var gx = Tensor.Zeros(input.Shape);
            float[] gd = g.Data, gxd = gx.Data;
            Par.For(planes, (long)inPlane + outPlane, (p0, p1) =>
            {
                for (int p = p0; p < p1; p++)
                {
                    var dst = gxd.AsSpan(p * inPlane, inPlane);
                    for (int i = 0; i < outPlane; i++)
                    {
                        var (hs, he, ws, we, scale) = windows[i];
                        float v = gd[p * outPlane + i] * scale;
                        for (int y = hs; y < he; y++)
                            for (int x = ws; x < we; x++) dst[y * w + x] += v;
                    }
                }
            });
            return [gx];
        }, args);
    }

    static (int n, int c, int h, int w, int oh, int ow) PoolShape(string op, Tensor input, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding)
    {
        if (input.Rank != 4) throw new ArgumentException($"{op}: input must be [N, C, H, W], got {Tensor.FormatShape(input.Shape)}");
        if (kernel.H < 1 || kernel.W < 1) throw new ArgumentException($"{op}: kernel size must be positive, got {kernel}");
        if (stride.H < 1 || stride.W < 1) throw new ArgumentException($"{op}: stride must be positive, got {stride}");
        if (padding.H < 0 || padding.W < 0 || 2 * padding.H > kernel.H || 2 * padding.W > kernel.W)
            throw new ArgumentException($"{op}: padding {padding} must be non-negative and at most half the kernel {kernel}");
        int n = input.Shape[0], c = input.Shape[1], h = input.Shape[2], w = input.Shape[3];
        int oh = (h + 2 * padding.H - kernel.H) / stride.H + 1, ow = (w + 2 * padding.W - kernel.W) / stride.W + 1;
        if (h + 2 * padding.H < kernel.H || w + 2 * padding.W < kernel.W || oh <= 0 || ow <= 0)
            throw new ArgumentException($"{op}: input {Tensor.FormatShape(input.Shape)} is smaller than the kernel {kernel} with padding {padding}");
        return (n, c, h, w, oh, ow);
    }
}
