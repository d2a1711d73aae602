using Lineage.Engine.Kernels;

namespace Lineage.Engine;

/// <summary>A convolution and the 1×1 projection of the same input that a downsampling residual block adds as its shortcut.</summary>
public static partial class Functional
{
    /// <summary>
    /// (relu(conv2d(input, weight, bias, stride, padding)), conv2d(input, projectionWeight, projectionBias, stride)), the
    /// ReLU optional and the projection a 1×1 convolution without padding. Without a gradient to record, and where the
    /// implicit GEMM runs the convolution, the projection is computed from the convolution's grid of each image while it is
    /// in cache: its input element (S·y, S·x) is the window's tap (PH, PW), so it reads no copy of the input of its own
    /// (ResNet-20's two 1×1 stride-2 shortcuts took 1.8 ms of a 65 ms inference at batch 256, ONNX Runtime's 0.8, mostly
    /// splitting their input into phases again; fused, the inference took 74.6 / 76.0 ms against 75.9 / 77.0, the two
    /// interleaved in one process in a slow spell). Otherwise it is the two convolutions in turn. The results are those
    /// of the two convolutions.
    /// </summary>
    public static (Tensor Output, Tensor Projection) Conv2dWithProjection(Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding,
        Tensor projectionWeight, Tensor? projectionBias, bool relu = false)
    {
        if (GradMode.Records(input, weight, bias, projectionWeight, projectionBias) || !FusesProjection(input, weight, bias, stride, padding, projectionWeight, projectionBias, out var geo))
            return (Conv2d(input, weight, bias, stride, padding, (1, 1), 1, relu), Conv2d(input, projectionWeight, projectionBias, stride, (0, 0), (1, 1), 1, relu: false));

        int n = input.Shape[0], cout = weight.Shape[0], m = projectionWeight.Shape[0];
        var o = Tensor.Empty(n, cout, geo.OH, geo.OW);
        var p = Tensor.Empty(n, m, geo.OH, geo.OW);
        var panels = ImplicitConv.PackWeights(weight.Data, cout, geo.ColRows);
        var projectionPanels = ImplicitConv.PackWeights(projectionWeight.Data, m, geo.C);
        try
        {
            ImplicitConv.Forward(input.Data, n, geo, panels, cout, bias?.Data, o.Data, padded: null, relu,
                projection: new ImplicitConv.Projection(projectionPanels, m, projectionBias?.Data, p.Data));
        }
        finally
        {
            BufferPool.Return(panels);
            BufferPool.Return(projectionPanels);
        }
        return (o, p);
    }

    /// <summary>Well-formed shapes (anything else goes to the separate convolutions, whose checks name the fault), a
    /// layer the implicit GEMM runs and Winograd does not, and a projection it can compute.</summary>
    internal static bool FusesProjection(Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, Tensor projectionWeight, Tensor? projectionBias, out ConvGeometry geo)
    {
        geo = default;
        if (input.Rank != 4 || weight.Rank != 4 || projectionWeight.Rank != 4) return false;
        int cin = input.Shape[1], h = input.Shape[2], w = input.Shape[3], cout = weight.Shape[0], m = projectionWeight.Shape[0];
        if (weight.Shape[1] != cin || projectionWeight.Shape[1] != cin || projectionWeight.Shape[2] != 1 || projectionWeight.Shape[3] != 1) return false;
        if (bias != null && (bias.Rank != 1 || bias.Shape[0] != cout) || projectionBias != null && (projectionBias.Rank != 1 || projectionBias.Shape[0] != m)) return false;
        if (stride.H < 1 || stride.W < 1 || padding.H < 0 || padding.W < 0) return false;
        int kh = weight.Shape[2], kw = weight.Shape[3];
        int oh = ConvGeometry.OutSize(h, kh, stride.H, padding.H, 1), ow = ConvGeometry.OutSize(w, kw, stride.W, padding.W, 1);
        if (oh <= 0 || ow <= 0) return false;
        geo = new ConvGeometry(cin, h, w, kh, kw, stride.H, stride.W, padding.H, padding.W, 1, 1, oh, ow);
        var projection = new ConvGeometry(cin, h, w, 1, 1, stride.H, stride.W, 0, 0, 1, 1, ConvGeometry.OutSize(h, 1, stride.H, 0, 1), ConvGeometry.OutSize(w, 1, stride.W, 0, 1));
        return ImplicitConv.Applies(geo, 1) && !Winograd.Applies(geo, 1, cout) && ImplicitConv.ProjectionApplies(geo, projection);
    }
}
