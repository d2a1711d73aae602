using System.Numerics;

namespace Lineage.Engine.Optim;

/// <summary>
/// The optimisers' elementwise updates, vectorised with <see cref="Vector{T}"/> and split over threads
/// for large parameters. Each element is updated by one thread in a fixed order, so results do not
/// depend on the thread count. Formulas follow torch.optim's single-tensor implementations.
/// </summary>
internal static class UpdateKernels
{
    static readonly int W = Vector<float>.Count;

    static void Chunked(int n, int cost, Action<int, int> body) => Par.For(n, cost, body);

    /// <summary>SGD: d = g + wd·p; buf = first ? d : μ·buf + (1 − τ)·d; d = nesterov ? d + μ·buf : buf; p −= lr·d.</summary>
    public static void Sgd(float[] p, float[] g, float[]? buf, bool first, int n, float lr, float wd, float momentum, float dampening, bool nesterov)
    {
        Chunked(n, 4, (s, e) =>
        {
            var vlr = new Vector<float>(lr); var vwd = new Vector<float>(wd); var vmu = new Vector<float>(momentum);
            var vdamp = new Vector<float>(1f - dampening);
            int i = s;
            for (; i <= e - W; i += W)
            {
                var vp = new Vector<float>(p, i);
                var d = new Vector<float>(g, i) + vwd * vp;
                if (buf != null)
                {
                    var b = first ? d : vmu * new Vector<float>(buf, i) + vdamp * d;
                    b.CopyTo(buf, i);
                    d = nesterov ? d + vmu * b : b;
                }
                (vp - vlr * d).CopyTo(p, i);
            }
            for (; i < e; i++)
            {
                float d = g[i] + wd * p[i];
                if (buf != null)
                {
                    float b = first ? d : momentum * buf[i] + (1f - dampening) * d;
                    buf[i] = b;
                    d = nesterov ? d + momentum * b : b;
                }
                p[i] -= lr * d;
            }
        });
    }

    /// <summary>
    /// Adam/AdamW after any decay: m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g²; (amsgrad: vmax = max(vmax, v));
    /// p −= stepSize · m / (√v̂ / √bc2 + eps) with stepSize = lr/bc1. L2 decay (Adam) adds wd·p to g first.
    /// </summary>
    public static void Adam(float[] p, float[] g, float[] m, float[] v, float[]? vmax, int n,
        float beta1, float beta2, float stepSize, float bc2Sqrt, float eps, float l2)
    {
        Chunked(n, 10, (s, e) =>
        {
            var vb1 = new Vector<float>(beta1); var vb1c = new Vector<float>(1f - beta1);
            var vb2 = new Vector<float>(beta2); var vb2c = new Vector<float>(1f - beta2);
            var vstep = new Vector<float>(stepSize); var vbc2 = new Vector<float>(bc2Sqrt); var veps = new Vector<float>(eps);
            var vl2 = new Vector<float>(l2);
            int i = s;
            for (; i <= e - W; i += W)
            {
                var vp = new Vector<float>(p, i);
                var vg = new Vector<float>(g, i) + vl2 * vp;
                var vm = vb1 * new Vector<float>(m, i) + vb1c * vg;
                var vv = vb2 * new Vector<float>(v, i) + vb2c * vg * vg;
                vm.CopyTo(m, i); vv.CopyTo(v, i);
                if (vmax != null) { vv = Vector.Max(new Vector<float>(vmax, i), vv); vv.CopyTo(vmax, i); }
                var denom = Vector.SquareRoot(vv) / vbc2 + veps;
                (vp - vstep * vm / denom).CopyTo(p, i);
            }
            for (; i < e; i++)
            {
                float gi = g[i] + l2 * p[i];
                float mi = m[i] = beta1 * m[i] + (1f - beta1) * gi;
                float vi = v[i] = beta2 * v[i] + (1f - beta2) * gi * gi;
                if (vmax != null) vi = vmax[i] = MathF.Max(vmax[i], vi);
                p[i] -= stepSize * mi / (MathF.Sqrt(vi) / bc2Sqrt + eps);
            }
        });
    }

    /// <summary>Multiplies p by (1 − lr·wd): AdamW's decoupled weight decay.</summary>
    public static void Scale(float[] p, int n, float factor)
    {
        Chunked(n, 1, (s, e) => Kernels.Elementwise.Scale(p.AsSpan(s, e - s), factor));
    }

    /// <summary>
    /// RMSprop: g += wd·p; sq = α·sq + (1 − α)·g²; centred: ga = α·ga + (1 − α)·g, avg = √(sq − ga²) + eps,
    /// else avg = √sq + eps; momentum: buf = μ·buf + g/avg, p −= lr·buf; otherwise p −= lr·g/avg.
    /// </summary>
    public static void RmsProp(float[] p, float[] g, float[] sq, float[]? gradAvg, float[]? buf, int n,
        float lr, float alpha, float eps, float wd, float momentum)
    {
        Chunked(n, 10, (s, e) =>
        {
            var va = new Vector<float>(alpha); var vac = new Vector<float>(1f - alpha); var veps = new Vector<float>(eps);
            var vwd = new Vector<float>(wd); var vlr = new Vector<float>(lr); var vmu = new Vector<float>(momentum);
            int i = s;
            for (; i <= e - W; i += W)
            {
                var vp = new Vector<float>(p, i);
                var vg = new Vector<float>(g, i) + vwd * vp;
                var vsq = va * new Vector<float>(sq, i) + vac * vg * vg;
                vsq.CopyTo(sq, i);
                Vector<float> avg;
                if (gradAvg != null)
                {
                    var vga = va * new Vector<float>(gradAvg, i) + vac * vg;
                    vga.CopyTo(gradAvg, i);
                    avg = Vector.SquareRoot(vsq - vga * vga) + veps;
                }
                else avg = Vector.SquareRoot(vsq) + veps;
                if (buf != null)
                {
                    var vb = vmu * new Vector<float>(buf, i) + vg / avg;
                    vb.CopyTo(buf, i);
                    (vp - vlr * vb).CopyTo(p, i);
                }
                else (vp - vlr * vg / avg).CopyTo(p, i);
            }
            for (; i < e; i++)
            {
                float gi = g[i] + wd * p[i];
                float si = sq[i] = alpha * sq[i] + (1f - alpha) * gi * gi;
                float avg;
                if (gradAvg != null)
                {
                    float ga = gradAvg[i] = alpha * gradAvg[i] + (1f - alpha) * gi;
                    avg = MathF.Sqrt(si - ga * ga) + eps;
                }
                else avg = MathF.Sqrt(si) + eps;
                if (buf != null) { float b = buf[i] = momentum * buf[i] + gi / avg; p[i] -= lr * b; }
                else p[i] -= lr * gi / avg;
            }
        });
    }
}
