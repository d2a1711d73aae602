using Lineage.Engine.Kernels;

namespace Lineage.Engine;

/// <summary>Batch normalisation over [N, C], [N, C, L] or [N, C, H, W]: per-plane vector loops (NormKernels) visited image by
/// image or channel by channel, the ReLU and residual fused.</summary>
public static partial class Functional
{
    /// <summary>Whether batch norm visits the batch image by image (every plane of an image, one contiguous run, then the
    /// next) rather than channel by channel (a channel's planes, `inner` floats each, a whole image apart). Both give the
    /// same bits: each plane's sums are the same, added in image order. Image by image, the hardware's prefetchers see
    /// long runs instead of a 4 KiB plane every 64 KiB. ResNet-20's training step (batch 64, 2 threads, interleaved in one
    /// process, 2026-12-05, three runs of 16 rounds): 55.6, 55.7 and 56.7 against 59.4, 58.7 and 59.9 ms, its batch norms'
    /// loops 8.4 against 12.4 ms. Channel by channel where there are few images to share among threads or planes too
    /// short for vectors. Tests switch it.</summary>
    internal static Func<int, int, bool> ByImages = (images, inner) => images >= 8 && inner >= 16;

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
        // the channel's mean and 1/√(var + ε), and the running statistics updated; training passes the Σ (x − K) and
        // Σ (x − K)² of each plane (K = the channel's first value, so that E[(x−K)²] − E[x−K]² does not cancel the way
        // E[x²] − E[x]² would), added here in double in image order
        void Statistics(int ch, Func<int, (float, float)> planeSums)
        {
            float mu, varB;
            if (training)
            {
                double s1 = 0, s2 = 0;
                for (int i = 0; i < n; i++) { var (p1, p2) = planeSums(i); s1 += p1; s2 += p2; }
                double d = s1 / m, ss = Math.Max(0, s2 - s1 * d);
                mu = (float)(x[ch * inner] + d); varB = (float)(ss / m);
                if (rm != null)
                {
                    rm[ch] = (1 - momentum) * rm[ch] + momentum * mu;
                    rv![ch] = (1 - momentum) * rv[ch] + momentum * (float)(ss / (m - 1));
                }
            }
            else { mu = rm![ch]; varB = rv![ch]; }
            float istd = 1f / MathF.Sqrt(varB + eps);
            mean[ch] = mu; invStd[ch] = istd;
        }
        (float, float) ShiftedSums(int i, int ch) => NormKernels.ShiftedSums(x.AsSpan((i * c + ch) * inner, inner), x[ch * inner]);
        void Normalize(int i, int ch)
        {
            float scale = invStd[ch] * (w?[ch] ?? 1f), shift = (b?[ch] ?? 0f) - mean[ch] * scale;
            int off = (i * c + ch) * inner;
            NormKernels.Affine(x.AsSpan(off, inner), scale, shift, r == null ? default : r.AsSpan(off, inner), relu, y.AsSpan(off, inner));
        }
        bool byImages = ByImages(n, inner);
        if (byImages)
        {
            // image by image: each pass reads every plane of an image, one contiguous run, then the next image
            var sums = training ? BufferPool.Rent(2 * n * c) : null;
            try
            {
                if (sums != null) PlaneSums(sums, n, c, 2L * c * inner, ShiftedSums);
                for (int ch = 0; ch < c; ch++) Statistics(ch, i => PlaneSum(sums!, c, i, ch));
                Par.For(n, 2L * c * inner, (i0, i1) =>
                {
                    for (int i = i0; i < i1; i++)
                        for (int ch = 0; ch < c; ch++) Normalize(i, ch);
                });
            }
            finally
            {
                if (sums != null) BufferPool.Return(sums);
            }
        }
        else
            // channel by channel: the second pass finds the channel's planes in L2
            Par.For(c, 3L * m, (c0, c1) =>
            {
                for (int ch = c0; ch < c1; ch++)
                {
                    Statistics(ch, i => ShiftedSums(i, ch));
                    for (int i = 0; i < n; i++) Normalize(i, ch);
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
            // (channel by channel) fit a channel of a 16-channel 32×32 batch of 64 (256 KiB each) in L2 (ResNet-20's training step,
            // interleaved: its batch norms' backward 6.8 against 7.4 ms, the same values)
            var maskedOut = relu ? grd ?? gxd : null;
            // Σg and Σg·x̂ over the channel (g masked by the ReLU), added in double in image order: dβ and dγ, and the
            // training-mode dx's coefficients: dx = γ·istd · (g − mean(g) − x̂·mean(g·x̂)) (batch statistics depend on x);
            // evaluation: γ·istd·g
            (float A, float Mg, float K) Coefficients(int ch, Func<int, (float, float)> planeSums)
            {
                double sg = 0, sgx = 0;
                for (int i = 0; i < n; i++) { var (psg, psgx) = planeSums(i); sg += psg; sgx += psgx; }
                float istd = invStd[ch];
                sgx *= istd;
                if (gwd != null) gwd[ch] = (float)sgx;
                if (gbd != null) gbd[ch] = (float)sg;
                return ((w?[ch] ?? 1f) * istd, training ? (float)(sg / m) : 0f, training ? istd * (float)(sgx / m) : 0f);
            }
            (float, float) Sums(int i, int ch)
            {
                int off = (i * c + ch) * inner;
                return NormKernels.GradSums(gd.AsSpan(off, inner), x.AsSpan(off, inner), mean[ch],
                    yd == null ? default : yd.AsSpan(off, inner), maskedOut == null ? default : maskedOut.AsSpan(off, inner));
            }
            void InputGradient(int i, int ch, float a, float mg, float k)
            {
                int off = (i * c + ch) * inner;
                if (maskedOut != null) NormKernels.InputGradient(maskedOut.AsSpan(off, inner), x.AsSpan(off, inner), default, a, mg, mean[ch], k, gxd.AsSpan(off, inner));
                else NormKernels.InputGradient(gd.AsSpan(off, inner), x.AsSpan(off, inner), yd == null ? default : yd.AsSpan(off, inner), a, mg, mean[ch], k, gxd.AsSpan(off, inner));
            }
            if (byImages)
            {
                var sums = BufferPool.Rent(2 * n * c);
                var coefficients = BufferPool.Rent(3 * c);
                try
                {
                    PlaneSums(sums, n, c, 3L * c * inner, Sums);
                    for (int ch = 0; ch < c; ch++)
                        (coefficients[3 * ch], coefficients[3 * ch + 1], coefficients[3 * ch + 2]) = Coefficients(ch, i => PlaneSum(sums, c, i, ch));
                    if (gxd != null)
                        Par.For(n, 2L * c * inner, (i0, i1) =>
                        {
                            for (int i = i0; i < i1; i++)
                                for (int ch = 0; ch < c; ch++) InputGradient(i, ch, coefficients[3 * ch], coefficients[3 * ch + 1], coefficients[3 * ch + 2]);
                        });
                }
                finally
                {
                    BufferPool.Return(sums);
                    BufferPool.Return(coefficients);
                }
            }
            else
                Par.For(c, 4L * m, (c0, c1) =>
                {
                    for (int ch = c0; ch < c1; ch++)
                    {
                        var (a, mg, k) = Coefficients(ch, i => Sums(i, ch));
                        if (gxd == null) continue;
                        for (int i = 0; i < n; i++) InputGradient(i, ch, a, mg, k);
                    }
                });
            Tensor?[] grads = [gx, weight != null ? gw : null, bias != null ? gb : null];
            return residual != null ? [.. grads, gr] : grads;
        }, new BatchNormArgs(runningMean, runningVar, weight, bias, training, eps, residual != null, relu));
    }

    /// <summary>An image-by-image pass of per-plane sums: sums(i, ch) of every plane, images shared among the threads,
    /// stored as the pair at 2·(i·c + ch) for the per-channel totals to add in image order.</summary>
    static void PlaneSums(float[] pairs, int n, int c, long costPerImage, Func<int, int, (float, float)> sums)
        => Par.For(n, costPerImage, (i0, i1) =>
        {
            for (int i = i0; i < i1; i++)
                for (int ch = 0; ch < c; ch++) (pairs[2 * (i * c + ch)], pairs[2 * (i * c + ch) + 1]) = sums(i, ch);
        });

    /// <summary>Plane (i, ch)'s pair of sums from <see cref="PlaneSums"/>.</summary>
    static (float, float) PlaneSum(float[] pairs, int c, int i, int ch) => (pairs[2 * (i * c + ch)], pairs[2 * (i * c + ch) + 1]);
}
