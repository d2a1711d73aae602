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
    /// </summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        bool training, float momentum = 0.1f, float eps = 1e-5f)
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

        // per-channel statistics used for normalising: mean and 1/sqrt(var + eps)
        var mean = new float[c];
        var invStd = new float[c];
        var x = input.Data;
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
                    double sum = 0;
                    for (int i = 0; i < n; i++) sum += Elementwise.Sum(x.AsSpan((i * c + ch) * inner, inner));
                    double dm = sum / m, ss = 0;
                    // two passes: the centred sum of squares avoids the cancellation of E[x²] − E[x]²
                    for (int i = 0; i < n; i++) ss += NormKernels.CenteredSquares(x.AsSpan((i * c + ch) * inner, inner), (float)dm);
                    mu = (float)dm; varB = (float)(ss / m);
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
                    NormKernels.Affine(x.AsSpan(off, inner), scale, shift, y.AsSpan(off, inner));
                }
            }
        });

        Tensor[] parents = [input, weight ?? input, bias ?? input];
        var shape = input.Shape;
        return Tensor.FromOp(o, "batch_norm", parents, g =>
        {
            var gd = g.Data;
            Tensor? gx = input.RequiresGrad ? Tensor.Empty(shape) : null;
            Tensor? gw = weight != null && weight.RequiresGrad ? Tensor.Empty(c) : null;
            Tensor? gb = bias != null && bias.RequiresGrad ? Tensor.Empty(c) : null;
            var gxd = gx?.Data; var gwd = gw?.Data; var gbd = gb?.Data;
            Par.For(c, 4L * m, (c0, c1) =>
            {
                for (int ch = c0; ch < c1; ch++)
                {
                    float mu = mean[ch], istd = invStd[ch];
                    // Σg and Σg·x̂ over the channel: dβ and dγ, and the two projections of the training-mode dx
                    double sg = 0, sgx = 0;
                    for (int i = 0; i < n; i++)
                    {
                        int off = (i * c + ch) * inner;
                        var (psg, psgx) = NormKernels.GradSums(gd.AsSpan(off, inner), x.AsSpan(off, inner), mu);
                        sg += psg; sgx += psgx;
                    }
                    sgx *= istd;
                    if (gwd != null) gwd[ch] = (float)sgx;
                    if (gbd != null) gbd[ch] = (float)sg;
                    if (gxd == null) continue;
                    float gamma = w?[ch] ?? 1f;
                    if (training)
                    {
                        // dx = γ·istd · (g − mean(g) − x̂·mean(g·x̂))  (batch statistics depend on x)
                        float a = gamma * istd, mg = (float)(sg / m), mgx = (float)(sgx / m);
                        for (int i = 0; i < n; i++)
                        {
                            int off = (i * c + ch) * inner;
                            NormKernels.TrainBackward(gd.AsSpan(off, inner), x.AsSpan(off, inner), a, mg, mu, istd * mgx, gxd.AsSpan(off, inner));
                        }
                    }
                    else
                    {
                        float a = gamma * istd;
                        for (int i = 0; i < n; i++)
                        {
                            int off = (i * c + ch) * inner;
                            for (int k = 0; k < inner; k++) gxd[off + k] = a * gd[off + k];
                        }
                    }
                }
            });
            return [gx, weight != null ? gw : null, bias != null ? gb : null];
        }, new BatchNormArgs(runningMean, runningVar, weight, bias, training, eps));
    }
}
