namespace Lineage.Engine;

/// <summary>Softmax and log-softmax along one axis, numerically stable (the row maximum is subtracted first).</summary>
public static partial class Functional
{
    /// <summary>Splits a shape around <paramref name="axis"/> into [outer, len, inner]: element (o, j, i)
    /// sits at (o·len + j)·inner + i. Reductions along the axis then walk with stride inner.</summary>
    internal static (int outer, int len, int inner) AxisLayout(int[] shape, int axis)
    {
        int a = Tensor.NormAxis(axis, shape.Length);
        int outer = 1, inner = 1;
        for (int d = 0; d < a; d++) outer *= shape[d];
        for (int d = a + 1; d < shape.Length; d++) inner *= shape[d];
        return (outer, shape.Length == 0 ? 1 : shape[a], inner);
    }

    /// <summary>The maximum m of one strided row and log Σ exp(x − m). Keeping the two apart lets callers
    /// form x − m − logΣ without rounding x through the (large) full logsumexp in float.</summary>
    internal static (float max, float logSum) MaxLogSum(float[] x, int start, int len, int stride)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < len; j++) max = MathF.Max(max, x[start + j * stride]);
        if (float.IsNegativeInfinity(max)) return (0f, float.NegativeInfinity);
        double sum = 0;
        for (int j = 0; j < len; j++) sum += MathF.Exp(x[start + j * stride] - max);
        return (max, (float)Math.Log(sum));
    }

    /// <summary>softmax(x)_j = exp(x_j) / Σ_k exp(x_k) along <paramref name="axis"/> (torch.softmax).</summary>
    public static Tensor Softmax(Tensor x, int axis = -1)
    {
        var (outer, len, inner) = AxisLayout(x.Shape, axis);
        var o = Tensor.Empty(x.Shape);
        var xd = x.Data; var yd = o.Data;
        Par.For(outer * inner, 4L * len, (s, e) =>
        {
            for (int r = s; r < e; r++)
            {
                int start = (r / inner) * len * inner + r % inner;
                var (max, logSum) = MaxLogSum(xd, start, len, inner);
                for (int j = 0; j < len; j++) { int k = start + j * inner; yd[k] = MathF.Exp(xd[k] - max - logSum); }
            }
        });
        return Tensor.FromOp(o, "softmax", [x], g =>
        {
            // dx_j = y_j (g_j − Σ_k g_k y_k)
            var gi = Tensor.Empty(x.Shape);
            var gd = g.Data; var gid = gi.Data;
            Par.For(outer * inner, 3L * len, (s, e) =>
            {
                for (int r = s; r < e; r++)
                {
                    int start = (r / inner) * len * inner + r % inner;
                    double dot = 0;
                    for (int j = 0; j < len; j++) { int k = start + j * inner; dot += gd[k] * yd[k]; }
                    for (int j = 0; j < len; j++) { int k = start + j * inner; gid[k] = yd[k] * (gd[k] - (float)dot); }
                }
            });
            return [gi];
        }, new AxesArgs([axis]));
    }

    /// <summary>log softmax(x) = x − logΣexp(x) along <paramref name="axis"/> (torch.log_softmax).</summary>
    public static Tensor LogSoftmax(Tensor x, int axis = -1)
    {
        var (outer, len, inner) = AxisLayout(x.Shape, axis);
        var o = Tensor.Empty(x.Shape);
        var xd = x.Data; var yd = o.Data;
        Par.For(outer * inner, 4L * len, (s, e) =>
        {
            for (int r = s; r < e; r++)
            {
                int start = (r / inner) * len * inner + r % inner;
                var (max, logSum) = MaxLogSum(xd, start, len, inner);
                for (int j = 0; j < len; j++) { int k = start + j * inner; yd[k] = xd[k] - max - logSum; }
            }
        });
        return Tensor.FromOp(o, "log_softmax", [x], g =>
        {
            // dx_j = g_j − exp(y_j) Σ_k g_k
            var gi = Tensor.Empty(x.Shape);
            var gd = g.Data; var gid = gi.Data;
            Par.For(outer * inner, 3L * len, (s, e) =>
            {
                for (int r = s; r < e; r++)
                {
                    int start = (r / inner) * len * inner + r % inner;
                    double sum = 0;
                    for (int j = 0; j < len; j++) sum += gd[start + j * inner];
                    for (int j = 0; j < len; j++) { int k = start + j * inner; gid[k] = gd[k] - MathF.Exp(yd[k]) * (float)sum; }
                }
            });
            return [gi];
        }, new AxesArgs([axis]));
    }
}
