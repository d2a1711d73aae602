namespace Lineage.Engine;

/// <summary>Cross-entropy and negative log-likelihood over a class axis (dimension 1), fused and stable:
/// one pass computes logΣexp per sample, and the backward is (softmax − target) without forming log-softmax.</summary>
public static partial class Functional
{
    /// <summary>Shape checks shared by the class losses: input [N, C] or [N, C, d1, ...];
    /// returns the layout and the per-sample shape [N, d1, ...].</summary>
    static (int n, int c, int inner, int[] sampleShape) ClassLayout(Tensor input, string lossName)
    {
        if (input.Rank < 2) throw new ArgumentException($"{lossName}: input must be [N, C] or [N, C, d1, ...], got {Tensor.FormatShape(input.Shape)}");
        var (n, c, inner) = AxisLayout(input.Shape, 1);
        var sampleShape = input.Shape.Where((_, i) => i != 1).ToArray();
        return (n, c, inner, sampleShape);
    }

    static int CheckLabels(int[] labels, int samples, int classes, int ignoreIndex, string lossName)
    {
        if (labels.Length != samples) throw new ArgumentException($"{lossName}: {labels.Length} labels for {samples} samples");
        int count = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] == ignoreIndex) continue;
            if ((uint)labels[i] >= (uint)classes) throw new ArgumentOutOfRangeException(nameof(labels), $"{lossName}: label {labels[i]} at position {i} is outside 0..{classes - 1}");
            count++;
        }
        return count;
    }

    /// <summary>
    /// torch.nn.functional.cross_entropy with class-index targets. With label smoothing ε the target
    /// becomes q = (1 − ε)·onehot(y) + ε/C, so loss = −Σ_c q_c log p_c (PyTorch's formula). Samples whose
    /// label equals <paramref name="ignoreIndex"/> contribute nothing and are left out of the mean.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, int[] labels, float labelSmoothing = 0f, Reduction reduction = Reduction.Mean, int ignoreIndex = -100)
    {
        if (labelSmoothing < 0 || labelSmoothing > 1) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), "label smoothing must be in [0, 1]");
        if (reduction == Reduction.BatchMean) throw new ArgumentException("cross_entropy: batchmean is only for kl_div");
        var (n, c, inner, sampleShape) = ClassLayout(logits, "cross_entropy");
        int rows = n * inner;
        int count = CheckLabels(labels, rows, c, ignoreIndex, "cross_entropy");
        var x = logits.Data;
        var rowMax = new float[rows];
        var logSum = new float[rows];
        var o = Tensor.Empty(sampleShape);
        var od = o.Data;
        float eps = labelSmoothing, onTarget = 1f - eps, uniform = eps / c;
        Par.For(rows, 4L * c, (s, e) =>
        {
            for (int r = s; r < e; r++)
            {
                int start = (r / inner) * c * inner + r % inner;
                var (m, ls) = MaxLogSum(x, start, c, inner);
                rowMax[r] = m; logSum[r] = ls;
                int y = labels[r];
                if (y == ignoreIndex) { od[r] = 0f; continue; }
                // −Σ q_c (x_c − lse) = logΣ − (1 − ε)·(x_y − m) − (ε/C)·Σ_c (x_c − m), with lse = m + logΣ
                double sx = 0;
                if (eps != 0) for (int j = 0; j < c; j++) sx += x[start + j * inner] - m;
                od[r] = ls - onTarget * (x[start + y * inner] - m) - uniform * (float)sx;
            }
        });
        var perSample = Tensor.FromOp(o, "cross_entropy", [logits], g =>
        {
            var gi = Tensor.Empty(logits.Shape);
            var gd = g.Data; var gid = gi.Data;
            Par.For(rows, 3L * c, (s, e) =>
            {
                for (int r = s; r < e; r++)
                {
                    int start = (r / inner) * c * inner + r % inner;
                    int y = labels[r];
                    if (y == ignoreIndex) { for (int j = 0; j < c; j++) gid[start + j * inner] = 0f; continue; }
                    float gr = gd[r], m = rowMax[r], ls = logSum[r];
                    // d/dx_j = p_j − q_j
                    for (int j = 0; j < c; j++)
                    {
                        int k = start + j * inner;
                        gid[k] = gr * (MathF.Exp(x[k] - m - ls) - uniform - (j == y ? onTarget : 0f));
                    }
                }
            });
            return [gi];
        });
        return ApplyReduction(perSample, reduction, "cross_entropy", count);
    }

    /// <summary>
    /// torch.nn.functional.cross_entropy with class-probability targets of the logits' shape:
    /// loss = −Σ_c t'_c log p_c with t' = (1 − ε)·t + ε/C; Mean divides by the number of samples.
    /// The targets get a gradient too (−(1 − ε)·log p) when they require one.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targetProbabilities, float labelSmoothing = 0f, Reduction reduction = Reduction.Mean)
    {
        if (labelSmoothing < 0 || labelSmoothing > 1) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), "label smoothing must be in [0, 1]");
        if (reduction == Reduction.BatchMean) throw new ArgumentException("cross_entropy: batchmean is only for kl_div");
        RequireSameShape(logits, targetProbabilities, "cross_entropy");
        var (n, c, inner, sampleShape) = ClassLayout(logits, "cross_entropy");
        int rows = n * inner;
        var x = logits.Data; var t = targetProbabilities.Data;
        var rowMax = new float[rows];
        var logSum = new float[rows];
        var tsum = new float[rows];
        var o = Tensor.Empty(sampleShape);
        var od = o.Data;
        float eps = labelSmoothing, keep = 1f - eps, uniform = eps / c;
        Par.For(rows, 5L * c, (s, e) =>
        {
            for (int r = s; r < e; r++)
            {
                int start = (r / inner) * c * inner + r % inner;
                var (m, ls) = MaxLogSum(x, start, c, inner);
                rowMax[r] = m; logSum[r] = ls;
                double loss = 0, st = 0;
                for (int j = 0; j < c; j++)
                {
                    int k = start + j * inner;
                    float tq = keep * t[k] + uniform;
                    st += tq;
                    loss -= tq * (x[k] - m - ls);
                }
                od[r] = (float)loss; tsum[r] = (float)st;
            }
        });
        var perSample = Tensor.FromOp(o, "cross_entropy", [logits, targetProbabilities], g =>
        {
            var gd = g.Data;
            Tensor? gx = logits.RequiresGrad ? Tensor.Empty(logits.Shape) : null;
            Tensor? gt = targetProbabilities.RequiresGrad ? Tensor.Empty(logits.Shape) : null;
            var gxd = gx?.Data; var gtd = gt?.Data;
            Par.For(rows, 4L * c, (s, e) =>
            {
                for (int r = s; r < e; r++)
                {
                    int start = (r / inner) * c * inner + r % inner;
                    float gr = gd[r], m = rowMax[r], ls = logSum[r];
                    for (int j = 0; j < c; j++)
                    {
                        int k = start + j * inner;
                        float logP = x[k] - m - ls;
                        // targets need not sum to one, so d/dx_j = p_j·Σt' − t'_j
                        if (gxd != null) gxd[k] = gr * (MathF.Exp(logP) * tsum[r] - (keep * t[k] + uniform));
                        if (gtd != null) gtd[k] = -gr * keep * logP;
                    }
                }
            });
            return [gx, gt];
        });
        return ApplyReduction(perSample, reduction, "cross_entropy");
    }

    /// <summary>torch.nn.functional.nll_loss: −logProbs[i, y_i] over input [N, C] or [N, C, d1, ...];
    /// Mean averages over samples not ignored.</summary>
    public static Tensor NllLoss(Tensor logProbs, int[] labels, Reduction reduction = Reduction.Mean, int ignoreIndex = -100)
    {
        if (reduction == Reduction.BatchMean) throw new ArgumentException("nll_loss: batchmean is only for kl_div");
        var (n, c, inner, sampleShape) = ClassLayout(logProbs, "nll_loss");
        int rows = n * inner;
        int count = CheckLabels(labels, rows, c, ignoreIndex, "nll_loss");
        var lp = logProbs.Data;
        var o = Tensor.Empty(sampleShape);
        var od = o.Data;
        static int Index(int r, int y, int c, int inner) => ((r / inner) * c + y) * inner + r % inner;
        for (int r = 0; r < rows; r++) od[r] = labels[r] == ignoreIndex ? 0f : -lp[Index(r, labels[r], c, inner)];
        var perSample = Tensor.FromOp(o, "nll_loss", [logProbs], g =>
        {
            var gi = Tensor.Zeros(logProbs.Shape);
            var gd = g.Data; var gid = gi.Data;
            for (int r = 0; r < rows; r++) if (labels[r] != ignoreIndex) gid[Index(r, labels[r], c, inner)] = -gd[r];
            return [gi];
        });
        return ApplyReduction(perSample, reduction, "nll_loss", count);
    }
}
