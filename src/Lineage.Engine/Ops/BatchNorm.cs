using Lineage.Engine.Kernels;

namespace Lineage.Engine;

/// <summary>Batch normalisation over [N, C], [N, C, L] or [N, C, H, W], one fused kernel per channel.</summary>
public static partial class Functional
{
    /// <summary>
    /// torch.nn.functional.batch_norm. Training normalises with the batch mean and biased variance and,
    /// when running statistics are given, updates them in place (no grad):
    /// running = (1 − momentum)·running + momentum·batch, using the unbiased variance (m/(m−1)) as PyTorch does.
    /// Evaluation normalises with the running statistics. Gradients flow to input, weight and bias.
    /// With <paramref name="residual"/> and/or <paramref name="relu"/> the result is
    /// relu(batch_norm(x) + residual) computed in the same pass over the data (a residual block's tail,
    /// or a batch norm followed by ReLU), with the gradients of the separate ops: the add and the ReLU
    /// would otherwise each read and write the whole activation again, forward and backward.
    /// </summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        bool training, float momentum = 0.1f, float eps = 1e-5f, Tensor? residual = null, bool relu = false)
    {
        if (input.Rank < 2) throw new ArgumentException($"batch_norm needs input [N, C, ...], got {Tensor.FormatShape(input.Shape)}");
        int n = input.Shape[0], c = input.Shape[1];
        int inner = input.Size / Math.Max(1, n * c);
        int m = n * inner;
        void CheckVec(Tensor? t, string name)
        {
            if (t != null && t.Size != c) throw new ArgumentException($"batch_norm: {name} has {t.Size} elements for {c} channels (input {Tensor.FormatShape(input.Shape)})");
        }
        CheckVec(runningMean, "running_mean"); CheckVec(runningVar, "running_var"); CheckVec(weight, "weight"); CheckVec(bias, "bias");
        if ((runningMean == null) != (runningVar == null)) throw new ArgumentException("batch_norm: give both running_mean and running_var or neither");
        if (!training && runningMean == null) throw new ArgumentException("batch_norm: evaluation mode needs running_mean and running_var");
        if (training && m <= 1) throw new ArgumentException($"batch_norm: expected more than 1 value per channel when training, got input {Tensor.FormatShape(input.Shape)}");
        if (residual != null && !residual.SameShape(input))
            throw new ArgumentException($"batch_norm: the residual {Tensor.FormatShape(residual.Shape)} must have the input's shape {Tensor.FormatShape(input.Shape)}");

        // per-channel statistics used for normalising: mean and 1/sqrt(var + eps)
        var mean = new float[c];
        var invStd = new float[c];
        var x = input.Data;
        var r = residual?.Data;
        var o = Tensor.Empty(input.Shape);
        var y = o.Data;
        var w = weight?.Data; var b = bias?.Data;
        var rm = runningMean?.Data; var rv = runningVar?.Data;
        Par.For(c, 3L * m, (c0, c1) =>
        {
            for (int ch = c0; ch < c1; ch++)
            {
                float mu, varB;
                if (training)
                {
                    // one pass of sums shifted by the channel's first value (so E[(x−K)²] − E[x−K]² does not
                    // cancel the way E[x²] − E[x]² would): each plane in float vector lanes, planes added in double
                    float shift0 = x[ch * inner];
                    double s1 = 0, s2 = 0;
                    for (int i = 0; i < n; i++)
                    {
                        var (p1, p2) = NormKernels.ShiftedSums(x.AsSpan((i * c + ch) * inner, inner), shift0);
                        s1 += p1; s2 += p2;
                    }
                    double d = s1 / m, ss = Math.Max(0, s2 - s1 * d);
                    mu = (float)(shift0 + d); varB = (float)(ss / m);
                    if (rm != null)
                    {
                        rm[ch] = (1 - momentum) * rm[ch] + momentum * mu;
                        rv![ch] = (1 - momentum) * rv[ch] + momentum * (float)(ss / (m - 1));
                    }
                }
                else { mu = rm![ch]; varB = rv![ch]; }
                float istd = 1f / MathF.Sqrt(varB + eps);
                mean[ch] = mu; invStd[ch] = istd;
                float scale = istd * (w?[ch] ?? 1f), shift = (b?[ch] ?? 0f) - mu * scale;
                for (int i = 0; i < n; i++)
                {
                    int off = (i * c + ch) * inner;
                    NormKernels.Affine(x.AsSpan(off, inner), scale, shift, r == null ? default : r.AsSpan(off, inner), relu, y.AsSpan(off, inner));
                }
            }
        });

        Tensor[] parents = residual != null ? [input, weight ?? input, bias ?? input, residual] : [input, weight ?? input, bias ?? input];
        var shape = input.Shape;
        return Tensor.FromOp(o, "batch_norm", parents, g =>
        {
            var gd = g.Data;
            Tensor? gx = input.RequiresGrad ? Tensor.Empty(shape) : null;
            Tensor? gw = weight != null && weight.RequiresGrad ? Tensor.Empty(c) : null;
            Tensor? gb = bias != null && bias.RequiresGrad ? Tensor.Empty(c) : null;
            // the residual's gradient is the upstream one, masked by the ReLU
            Tensor? gr = residual == null || !residual.RequiresGrad ? null : relu ? Tensor.Empty(shape) : g;
            var gxd = gx?.Data; var gwd = gw?.Data; var gbd = gb?.Data;
            var grd = relu ? gr?.Data : null;
            var yd = relu ? y : null;
            // the first pass writes the masked gradient (to the residual's gradient, else to dx itself), and the second
            // reads it instead of the upstream gradient and the output: two streams instead of three, which with dx
            // fit a channel of a 16-channel 32×32 batch of 64 (256 KiB each) in L2 (ResNet-20's training step,
            // interleaved: its batch norms' backward 6.8 against 7.4 ms, the same values)
            var maskedOut = relu ? grd ?? gxd : null;
            Par.For(c, 4L * m, (c0, c1) =>
            {
                for (int ch = c0; ch < c1; ch++)
                {
                    float mu = mean[ch], istd = invStd[ch];
                    // Σg and Σg·x̂ over the channel (g masked by the ReLU): dβ and dγ, and the two projections of the training-mode dx
                    double sg = 0, sgx = 0;
                    for (int i = 0; i < n; i++)
                    {
                        int off = (i * c + ch) * inner;
                        var (psg, psgx) = NormKernels.GradSums(gd.AsSpan(off, inner), x.AsSpan(off, inner), mu,
                            yd == null ? default : yd.AsSpan(off, inner), maskedOut == null ? default : maskedOut.AsSpan(off, inner));
                        sg += psg; sgx += psgx;
                    }
                    sgx *= istd;
                    if (gwd != null) gwd[ch] = (float)sgx;
                    if (gbd != null) gbd[ch] = (float)sg;
                    if (gxd == null) continue;
                    float gamma = w?[ch] ?? 1f;
                    // training: dx = γ·istd · (g − mean(g) − x̂·mean(g·x̂))  (batch statistics depend on x); evaluation: γ·istd·g
                    float a = gamma * istd, mg = training ? (float)(sg / m) : 0f, k = training ? istd * (float)(sgx / m) : 0f;
                    for (int i = 0; i < n; i++)
                    {
                        int off = (i * c + ch) * inner;
                        if (maskedOut != null) NormKernels.InputGradient(maskedOut.AsSpan(off, inner), x.AsSpan(off, inner), default, a, mg, mu, k, gxd.AsSpan(off, inner));
                        else NormKernels.InputGradient(gd.AsSpan(off, inner), x.AsSpan(off, inner), yd == null ? default : yd.AsSpan(off, inner),
                            a, mg, mu, k, gxd.AsSpan(off, inner));
                    }
                }
            });
            Tensor?[] grads = [gx, weight != null ? gw : null, bias != null ? gb : null];
            return residual != null ? [.. grads, gr] : grads;
        }, new BatchNormArgs(runningMean, runningVar, weight, bias, training, eps, residual != null, relu));
    }
}
