using Lineage.Engine.Kernels;

namespace Lineage.Engine;

/// <summary>Matrix products: matmul (batched, with broadcast batch dims) and linear.</summary>
public static partial class Functional
{
    /// <summary>a @ b for a [..., M, K] and b [..., K, N]; batch dimensions broadcast; a 2-D b is shared by every batch.</summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        if (a.Rank < 2 || b.Rank < 2) throw new ArgumentException($"matmul needs rank ≥ 2 tensors, got {Tensor.FormatShape(a.Shape)} and {Tensor.FormatShape(b.Shape)}");
        int m = a.Shape[^2], k = a.Shape[^1], n = b.Shape[^1];
        if (b.Shape[^2] != k) throw new ArgumentException($"matmul: inner dimensions differ: {Tensor.FormatShape(a.Shape)} @ {Tensor.FormatShape(b.Shape)}");
        var batchA = a.Shape[..^2]; var batchB = b.Shape[..^2];
        var batch = Broadcast.ResultShape(batchA, batchB, "matmul");
        int nb = Tensor.ShapeSize(batch);
        var ea = a; var eb = b;
        if (b.Rank == 2 && a.Rank > 2)
        {
            // one GEMM over all batch rows
            var flat = MatMul2D(a.Reshape(-1, k), b);
            return flat.Reshape([.. batch, m, n]);
        }
        if (!batchA.AsSpan().SequenceEqual(batch)) ea = a.Expand([.. batch, m, k]);
        if (!batchB.AsSpan().SequenceEqual(batch)) eb = b.Expand([.. batch, k, n]);
        var o = Tensor.Empty([.. batch, m, n]);
        var ad = ea.Data; var bd = eb.Data; var od = o.Data;
        for (int i = 0; i < nb; i++) Gemm.Sgemm(false, false, m, n, k, 1f, ad, i * m * k, k, bd, i * k * n, n, 0f, od, i * m * n, n);
        return Tensor.FromOp(o, "matmul", [ea, eb], g =>
        {
            Tensor? ga = null, gb = null;
            var gd = g.Data;
            if (ea.RequiresGrad)
            {
                ga = Tensor.Empty(ea.Shape);
                for (int i = 0; i < nb; i++) Gemm.Sgemm(false, true, m, k, n, 1f, gd, i * m * n, n, bd, i * k * n, n, 0f, ga.Data, i * m * k, k);
            }
            if (eb.RequiresGrad)
            {
                gb = Tensor.Empty(eb.Shape);
                for (int i = 0; i < nb; i++) Gemm.Sgemm(true, false, k, n, m, 1f, ad, i * m * k, k, gd, i * m * n, n, 0f, gb.Data, i * k * n, n);
            }
            return [ga, gb];
        });
    }

    static Tensor MatMul2D(Tensor a, Tensor b)
    {
        int m = a.Shape[0], k = a.Shape[1], n = b.Shape[1];
        var o = Tensor.Empty(m, n);
        Gemm.Sgemm(false, false, m, n, k, 1f, a.Data, 0, k, b.Data, 0, n, 0f, o.Data, 0, n);
        return Tensor.FromOp(o, "matmul", [a, b], g =>
        {
            Tensor? ga = null, gb = null;
            if (a.RequiresGrad) { ga = Tensor.Empty(m, k); Gemm.Sgemm(false, true, m, k, n, 1f, g.Data, 0, n, b.Data, 0, n, 0f, ga.Data, 0, k); }
            if (b.RequiresGrad) { gb = Tensor.Empty(k, n); Gemm.Sgemm(true, false, k, n, m, 1f, a.Data, 0, k, g.Data, 0, n, 0f, gb.Data, 0, n); }
            return [ga, gb];
        });
    }

    /// <summary>y = x Wᵀ + b with W [out, in] as in torch.nn.Linear; x is [..., in].</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        int outF = weight.Shape[0], inF = weight.Shape[1];
        if (x.Shape[^1] != inF) throw new ArgumentException($"linear: input has {x.Shape[^1]} features, weight {Tensor.FormatShape(weight.Shape)} expects {inF}");
        var lead = x.Shape[..^1];
        var x2 = x.Rank == 2 ? x : x.Reshape(-1, inF);
        int m = x2.Shape[0];
        var o = Tensor.Empty(m, outF);
        var od = o.Data;
        if (bias != null)
        {
            var bd = bias.Data;
            for (int i = 0; i < m; i++) Array.Copy(bd, 0, od, i * outF, outF);
        }
        Gemm.Sgemm(false, true, m, outF, inF, 1f, x2.Data, 0, inF, weight.Data, 0, inF, bias != null ? 1f : 0f, od, 0, outF);
        Tensor[] parents = bias != null ? [x2, weight, bias] : [x2, weight];
        var y = Tensor.FromOp(o, "linear", parents, g =>
        {
            var gd = g.Data;
            Tensor? gx = null, gw = null, gb = null;
            if (x2.RequiresGrad) { gx = Tensor.Empty(m, inF); Gemm.Sgemm(false, false, m, inF, outF, 1f, gd, 0, outF, weight.Data, 0, inF, 0f, gx.Data, 0, inF); }
            if (weight.RequiresGrad) { gw = Tensor.Empty(outF, inF); Gemm.Sgemm(true, false, outF, inF, m, 1f, gd, 0, outF, x2.Data, 0, inF, 0f, gw.Data, 0, inF); }
            if (bias != null && bias.RequiresGrad) gb = Reduce.SumRaw(g, [0]).Reshape(outF);
            return bias != null ? [gx, gw, gb] : [gx, gw];
        });
        return x.Rank == 2 ? y : y.Reshape([.. lead, outF]);
    }
}
