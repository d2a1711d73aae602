namespace Lineage.Engine;

/// <summary>Regression, divergence and margin losses with PyTorch's definitions and reductions.</summary>
public static partial class Functional
{
    /// <summary>
    /// torch.nn.functional.kl_div(input, target): input holds log-probabilities; target holds probabilities,
    /// or log-probabilities when <paramref name="logTarget"/>. Pointwise loss t·(log t − input), taken as 0
    /// where t = 0 (xlogy), or exp(t)·(t − input) for log targets. BatchMean (the default here, and the
    /// mathematically correct KL) divides the sum by the batch size.
    /// </summary>
    public static Tensor KlDiv(Tensor logInput, Tensor target, Reduction reduction = Reduction.BatchMean, bool logTarget = false)
    {
        RequireSameShape(logInput, target, "kl_div");
        int size = logInput.Size;
        var x = logInput.Data; var t = target.Data;
        var o = Tensor.Empty(logInput.Shape);
        var od = o.Data;
        Par.For(size, 8, (s, e) =>
        {
            for (int i = s; i < e; i++)
                od[i] = logTarget ? MathF.Exp(t[i]) * (t[i] - x[i]) : t[i] > 0 ? t[i] * (MathF.Log(t[i]) - x[i]) : 0f;
        });
        var pointwise = Tensor.FromOp(o, "kl_div", [logInput, target], g =>
        {
            var gd = g.Data;
            Tensor? gx = null, gt = null;
            if (logInput.RequiresGrad)
            {
                gx = Tensor.Empty(logInput.Shape);
                var d = gx.Data;
                Par.For(size, 4, (s, e) => { for (int i = s; i < e; i++) d[i] = -gd[i] * (logTarget ? MathF.Exp(t[i]) : t[i]); });
            }
            if (target.RequiresGrad)
            {
                gt = Tensor.Empty(target.Shape);
                var d = gt.Data;
                // d/dt [t log t − t x] = log t + 1 − x (0 at t = 0, where the term is constant 0);
                // d/dt [eᵗ (t − x)] = eᵗ (t − x + 1)
                Par.For(size, 8, (s, e) =>
                {
                    for (int i = s; i < e; i++)
                        d[i] = gd[i] * (logTarget ? MathF.Exp(t[i]) * (t[i] - x[i] + 1f) : t[i] > 0 ? MathF.Log(t[i]) + 1f - x[i] : 0f);
                });
            }
            return [gx, gt];
        });
        return ApplyReduction(pointwise, reduction, "kl_div");
    }

    /// <summary>torch.nn.functional.mse_loss: (input − target)².</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        RequireSameShape(input, target, "mse_loss");
        var d = input - target;
        return ApplyReduction(d * d, reduction, "mse_loss");
    }

    /// <summary>torch.nn.functional.l1_loss: |input − target| (subgradient 0 at equality, as PyTorch).</summary>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        RequireSameShape(input, target, "l1_loss");
        return ApplyReduction((input - target).Abs(), reduction, "l1_loss");
    }

    /// <summary>Binary hinge loss relu(margin − sign·score) with signs ±1 (SVM; GAN discriminators use
    /// sign +1 for real, −1 for fake). Broadcasts scores and signs.</summary>
    public static Tensor HingeLoss(Tensor scores, Tensor signs, float margin = 1f, Reduction reduction = Reduction.Mean)
        => ApplyReduction((signs * scores).RSub(margin).Relu(), reduction, "hinge_loss");

    /// <summary>
    /// torch.nn.functional.multi_margin_loss with p = 1 and no weights: for logits [N, C] (or [C]) and
    /// label y, loss = Σ_{j≠y} max(0, margin − x_y + x_j) / C.
    /// </summary>
    public static Tensor MultiMarginLoss(Tensor logits, int[] labels, float margin = 1f, Reduction reduction = Reduction.Mean)
    {
        if (reduction == Reduction.BatchMean) throw new ArgumentException("multi_margin_loss: batchmean is only for kl_div");
        if (logits.Rank is not (1 or 2)) throw new ArgumentException($"multi_margin_loss: input must be [N, C] or [C], got {Tensor.FormatShape(logits.Shape)}");
        int c = logits.Shape[^1], n = logits.Rank == 2 ? logits.Shape[0] : 1;
        CheckLabels(labels, n, c, int.MinValue, "multi_margin_loss");
        var x = logits.Data;
        var o = Tensor.Empty(logits.Rank == 2 ? [n] : []);
        var od = o.Data;
        for (int i = 0; i < n; i++)
        {
            int off = i * c; float xy = x[off + labels[i]];
            double sum = 0;
            for (int j = 0; j < c; j++) if (j != labels[i]) sum += MathF.Max(0f, margin - xy + x[off + j]);
            od[i] = (float)(sum / c);
        }
        var perSample = Tensor.FromOp(o, "multi_margin_loss", [logits], g =>
        {
            var gi = Tensor.Zeros(logits.Shape);
            var gd = g.Data; var gid = gi.Data;
            for (int i = 0; i < n; i++)
            {
                int off = i * c, y = labels[i]; float xy = x[off + y], gs = gd[i] / c;
                for (int j = 0; j < c; j++)
                    if (j != y && margin - xy + x[off + j] > 0) { gid[off + j] += gs; gid[off + y] -= gs; }
            }
            return [gi];
        });
        return ApplyReduction(perSample, reduction, "multi_margin_loss");
    }
}
