using Lineage.Engine;

namespace Lineage.Adversarial;

/// <summary>
/// Settings of a gradient attack on inputs: FGSM is one step of size ε from the clean input with no
/// random start (Goodfellow et al.); BIM/PGD repeat steps of size α and project back into the ε-ball
/// around the clean input (Kurakin et al.; Madry et al., who add the uniform random start).
/// Every iterate is clipped to the valid input range.
/// </summary>
public sealed record GradientAttackOptions
{
    public PerturbationNorm Norm { get; init; } = PerturbationNorm.LInf;
    public float Epsilon { get; init; } = 8f / 255;
    public float StepSize { get; init; } = 2f / 255;
    public int Steps { get; init; } = 10;
    public bool RandomStart { get; init; } = true;
    public float ClipMin { get; init; } = 0f;
    public float ClipMax { get; init; } = 1f;
    /// <summary>Descend instead of ascend: move towards <c>labels</c> as targets.</summary>
    public bool Targeted { get; init; }

    public static GradientAttackOptions Fgsm(float epsilon, PerturbationNorm norm = PerturbationNorm.LInf)
        => new() { Norm = norm, Epsilon = epsilon, StepSize = epsilon, Steps = 1, RandomStart = false };

    public static GradientAttackOptions Pgd(float epsilon, float stepSize, int steps, PerturbationNorm norm = PerturbationNorm.LInf, bool randomStart = true)
        => new() { Norm = norm, Epsilon = epsilon, StepSize = stepSize, Steps = steps, RandomStart = randomStart };

    internal void Validate()
    {
        if (!(Epsilon >= 0) || !(StepSize >= 0) || Steps < 1 || !(ClipMax > ClipMin))
            throw new ArgumentException($"invalid attack settings: ε={Epsilon}, step={StepSize}, steps={Steps}, range=[{ClipMin}, {ClipMax}]");
    }
}

/// <summary>FGSM and BIM/PGD under L∞ or L2, maximising cross-entropy of a differentiable model.</summary>
public static class GradientAttack
{
    /// <param name="model">Maps a batch of inputs (in the valid range) to logits, differentiably.</param>
    /// <param name="inputs">Clean inputs [N, ...]; not modified.</param>
    /// <param name="labels">True (or source-assigned) labels to move away from; targets when Targeted.</param>
    /// <returns>Adversarial inputs (no graph attached).</returns>
    public static Tensor Run(Func<Tensor, Tensor> model, Tensor inputs, int[] labels, GradientAttackOptions options, Generator gen)
    {
        options.Validate();
        if (labels.Length != inputs.Shape[0]) throw new ArgumentException($"{labels.Length} labels for {inputs.Shape[0]} inputs");
        var clean = inputs.Detach();
        var x = Tensor.Persistent(clean.Shape);
        clean.Span.CopyTo(x.Span);
        if (options.RandomStart && options.Epsilon > 0) AddRandomStart(x, options, gen);
        Project(x, clean, options);
        for (int step = 0; step < options.Steps; step++)
        {
            using var scope = TensorScope.Begin();
            var xv = x.Detach().RequireGrad();
            var loss = Functional.CrossEntropy(model(xv), labels);
            var grad = Autograd.Grad(loss, [xv])[0];
            Step(x, grad, options);
            Project(x, clean, options);
        }
        return x;
    }

    static void AddRandomStart(Tensor x, GradientAttackOptions o, Generator gen)
    {
        var d = x.Span;
        if (o.Norm == PerturbationNorm.LInf)
        {
            for (int i = 0; i < d.Length; i++) d[i] += (2 * gen.NextFloat() - 1) * o.Epsilon;
            return;
        }
        // uniform direction, radius ε·u^(1/d) per sample: uniform in the L2 ball
        int n = x.Shape[0], per = x.Size / n;
        for (int s = 0; s < n; s++)
        {
            var row = d.Slice(s * per, per);
            var noise = new double[per];
            double norm = 0;
            for (int i = 0; i < per; i++) { noise[i] = gen.NextNormal(); norm += noise[i] * noise[i]; }
            double r = o.Epsilon * Math.Pow(gen.NextDouble(), 1.0 / per) / Math.Sqrt(norm);
            for (int i = 0; i < per; i++) row[i] += (float)(noise[i] * r);
        }
    }

    /// <summary>One step of size α along the gradient's sign (L∞) or direction (L2); descends when Targeted.</summary>
    internal static void Step(Tensor x, Tensor grad, GradientAttackOptions o)
    {
        var d = x.Span; var g = grad.Span;
        float sign = o.Targeted ? -1f : 1f;
        if (o.Norm == PerturbationNorm.LInf)
        {
            for (int i = 0; i < d.Length; i++) d[i] += sign * o.StepSize * MathF.Sign(g[i]);
            return;
        }
        int n = x.Shape[0], per = x.Size / n;
        for (int s = 0; s < n; s++)
        {
            double norm = 0;
            for (int i = 0; i < per; i++) norm += (double)g[s * per + i] * g[s * per + i];
            if (norm == 0) continue;
            float scale = (float)(sign * o.StepSize / Math.Sqrt(norm));
            for (int i = 0; i < per; i++) d[s * per + i] += scale * g[s * per + i];
        }
    }

    /// <summary>Back into the ε-ball around the clean input, then into the valid range.</summary>
    internal static void Project(Tensor x, Tensor clean, GradientAttackOptions o)
    {
        var d = x.Span; var c = clean.Span;
        if (o.Norm == PerturbationNorm.LInf)
        {
            for (int i = 0; i < d.Length; i++) d[i] = Math.Clamp(Math.Clamp(d[i], c[i] - o.Epsilon, c[i] + o.Epsilon), o.ClipMin, o.ClipMax);
            return;
        }
        int n = x.Shape[0], per = x.Size / n;
        for (int s = 0; s < n; s++)
        {
            double norm = 0;
            for (int i = 0; i < per; i++) { double v = d[s * per + i] - c[s * per + i]; norm += v * v; }
            norm = Math.Sqrt(norm);
            float scale = norm > o.Epsilon ? (float)(o.Epsilon / norm) : 1f;
            for (int i = 0; i < per; i++)
            {
                int k = s * per + i;
                d[k] = Math.Clamp(c[k] + (d[k] - c[k]) * scale, o.ClipMin, o.ClipMax);
            }
        }
    }
}
