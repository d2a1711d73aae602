using System.Runtime.Intrinsics;
using Lineage.Engine;
using Lineage.Engine.Kernels;
using Lineage.Engine.Nn;

namespace Lineage.Bench;

// TEMPORARY: cross-entropy, SGD with momentum and batch norm are being written in the `nn` branch
// (Functional.CrossEntropy, Optim.Sgd, Nn.BatchNorm2d). These minimal private versions exist only so the
// benchmark can train before that branch lands; replace them with the engine's versions then.

/// <summary>Mean softmax cross-entropy over a batch of logits [N, C] with integer labels (temporary, see above).</summary>
internal static class TemporaryLoss
{
    public static Tensor CrossEntropy(Tensor logits, int[] labels)
    {
        int n = logits.Shape[0], c = logits.Shape[1];
        var probs = Tensor.Empty(n, c);
        var loss = Tensor.Empty(1);
        float[] ld = logits.Data, pd = probs.Data;
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            float max = float.NegativeInfinity;
            for (int j = 0; j < c; j++) max = MathF.Max(max, ld[i * c + j]);
            float sum = 0;
            for (int j = 0; j < c; j++) { float e = MathF.Exp(ld[i * c + j] - max); pd[i * c + j] = e; sum += e; }
            for (int j = 0; j < c; j++) pd[i * c + j] /= sum;
            total += -(ld[i * c + labels[i]] - max - MathF.Log(sum));
        }
        loss.Data[0] = (float)(total / n);
        return Tensor.FromOp(loss, "temporary_cross_entropy", [logits], g =>
        {
            // d(mean CE)/d logits = (softmax - onehot) / N
            var gl = Tensor.Empty(n, c);
            float scale = g.Data[0] / n;
            var gd = gl.Data;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < c; j++) gd[i * c + j] = (pd[i * c + j] - (j == labels[i] ? 1f : 0f)) * scale;
            return [gl];
        });
    }
}

/// <summary>torch.optim.SGD(lr, momentum) without weight decay or dampening (temporary, see above).
/// Gradients are cleared in place rather than dropped, so Backward accumulates into the same buffers every step.</summary>
internal sealed class TemporarySgd(List<Tensor> parameters, float lr, float momentum)
{
    readonly Tensor?[] velocity = new Tensor?[parameters.Count];

    public void ZeroGrad()
    {
        foreach (var p in parameters) p.Grad?.Span.Clear();
    }

    public void Step()
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (p.Grad == null) continue;
            var g = p.Grad.Span;
            var w = p.Span;
            if (velocity[i] == null) { velocity[i] = p.Grad.ClonePersistent(); }
            else
            {
                var v = velocity[i]!.Span;
                for (int j = 0; j < v.Length; j++) v[j] = momentum * v[j] + g[j];
            }
            var vel = velocity[i]!.Span;
            for (int j = 0; j < w.Length; j++) w[j] -= lr * vel[j];
        }
    }
}

/// <summary>Training-mode batch normalisation over (N, H, W) per channel with affine weight/bias and running
/// statistics, as torch.nn.BatchNorm2d in train() (temporary, see above; eval mode uses the running statistics).</summary>
internal sealed class TemporaryBatchNorm2d : Module
{
    const float Eps = 1e-5f, Momentum = 0.1f;

    public TemporaryBatchNorm2d(int channels)
    {
        RegisterParameter("weight", Tensor.Persistent(channels)).Span.Fill(1f);
        RegisterParameter("bias", Tensor.Persistent(channels));
        RegisterBuffer("running_mean", Tensor.Persistent(channels));
        RegisterBuffer("running_var", Tensor.Persistent(channels)).Span.Fill(1f);
    }

    /// <summary>o = a·x + c + b·y (y may be empty when b = 0), vectorised.</summary>
    static void Affine(ReadOnlySpan<float> x, float a, float c, ReadOnlySpan<float> y, float b, Span<float> o)
    {
        int i = 0, len = o.Length;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> va = Vector512.Create(a), vc = Vector512.Create(c), vb = Vector512.Create(b);
            for (; i <= len - 16; i += 16)
            {
                var r = Vector512.FusedMultiplyAdd(va, Vector512.Create(x.Slice(i, 16)), vc);
                if (b != 0) r = Vector512.FusedMultiplyAdd(vb, Vector512.Create(y.Slice(i, 16)), r);
                r.CopyTo(o.Slice(i, 16));
            }
        }
        for (; i < len; i++) o[i] = a * x[i] + c + (b != 0 ? b * y[i] : 0f);
    }

    public override Tensor Forward(Tensor x)
    {
        int n = x.Shape[0], c = x.Shape[1], plane = x.Shape[2] * x.Shape[3];
        var gamma = Param("weight")!; var beta = Param("bias")!;
        var o = Tensor.Empty(x.Shape);
        var mean = new float[c]; var invStd = new float[c];
        float[] xd = x.Data, od = o.Data, gd = gamma.Data, bd = beta.Data;
        float[] rm = Buffer("running_mean").Data, rv = Buffer("running_var").Data;
        bool training = Training;
        Parallel.For(0, c, new ParallelOptions { MaxDegreeOfParallelism = EngineSettings.Threads }, ch =>
        {
            float mu, istd;
            if (training)
            {
                double s = 0, ss = 0;
                for (int i = 0; i < n; i++)
                {
                    var row = xd.AsSpan((i * c + ch) * plane, plane);
                    s += Elementwise.Sum(row);
                    ss += Elementwise.Dot(row, row);
                }
                int count = n * plane;
                double m = s / count, var = Math.Max(0, ss / count - m * m);
                mu = (float)m; istd = (float)(1 / Math.Sqrt(var + Eps));
                rm[ch] = (1 - Momentum) * rm[ch] + Momentum * mu;
                rv[ch] = (1 - Momentum) * rv[ch] + Momentum * (float)(var * count / Math.Max(1, count - 1));
            }
            else { mu = rm[ch]; istd = 1f / MathF.Sqrt(rv[ch] + Eps); }
            mean[ch] = mu; invStd[ch] = istd;
            float scale = gd[ch] * istd, shift = bd[ch] - mu * scale;
            for (int i = 0; i < n; i++)
            {
                int off = (i * c + ch) * plane;
                Affine(xd.AsSpan(off, plane), scale, shift, default, 0f, od.AsSpan(off, plane));
            }
        });
        return Tensor.FromOp(o, "temporary_batch_norm", [x, gamma, beta], g =>
        {
            var gx = Tensor.Empty(x.Shape);
            var gg = Tensor.Empty(c);
            var gb = Tensor.Empty(c);
            float[] gdd = g.Data, gxd = gx.Data, ggd = gg.Data, gbd = gb.Data;
            int count = n * plane;
            Parallel.For(0, c, new ParallelOptions { MaxDegreeOfParallelism = EngineSettings.Threads }, ch =>
            {
                float mu = mean[ch], istd = invStd[ch];
                double sg = 0, sgx = 0;
                for (int i = 0; i < n; i++)
                {
                    int off = (i * c + ch) * plane;
                    float rs = Elementwise.Sum(gdd.AsSpan(off, plane));
                    sg += rs;
                    sgx += Elementwise.Dot(gdd.AsSpan(off, plane), xd.AsSpan(off, plane)) - (double)mu * rs;
                }
                ggd[ch] = (float)(sgx * istd);
                gbd[ch] = (float)sg;
                // dx = γ·istd·(g - mean(g) - x̂·mean(g·x̂)) = k·g + b·x + c0
                float k = gd[ch] * istd, mg = (float)(sg / count), mgx = (float)(sgx * istd / count);
                float bx = -k * istd * mgx, c0 = -k * mg + k * istd * mgx * mu;
                for (int i = 0; i < n; i++)
                {
                    int off = (i * c + ch) * plane;
                    Affine(gdd.AsSpan(off, plane), k, c0, xd.AsSpan(off, plane), bx, gxd.AsSpan(off, plane));
                }
            });
            return [gx, gg, gb];
        });
    }
}
