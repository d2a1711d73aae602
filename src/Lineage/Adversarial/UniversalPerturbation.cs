using Lineage.Engine;

namespace Lineage.Adversarial;

/// <summary>Settings of the universal adversarial perturbation search (Moosavi-Dezfooli et al. 2017, Alg. 1).</summary>
public sealed record UniversalPerturbationOptions
{
    public PerturbationNorm Norm { get; init; } = PerturbationNorm.LInf;
    /// <summary>ξ, the radius of the ball v stays in (in [0,1] pixel units).</summary>
    public float Xi { get; init; } = 10f / 255;
    /// <summary>δ: the search stops once the fooling rate reaches 1 − δ (paper's δ = 0.2).</summary>
    public double Delta { get; init; } = 0.2;
    /// <summary>Cap on passes over the images; a search that reaches it stops there and says so.</summary>
    public int MaxPasses { get; init; } = 10;
    /// <summary>Images whose DeepFool steps are computed together against the same v (1 = the paper's sequential loop).</summary>
    public int BatchSize { get; init; } = 16;
    public DeepFoolOptions DeepFool { get; init; } = new();
    public int Seed { get; init; }

    public void Validate()
    {
        if (!(Xi > 0) || !float.IsFinite(Xi)) throw new ArgumentException($"UAP radius ξ must be a finite value > 0, got {Xi}");
        if (!(Delta > 0 && Delta < 1)) throw new ArgumentException($"UAP δ must lie in (0, 1) (the target fooling rate is 1 − δ), got {Delta}");
        if (Norm != PerturbationNorm.LInf && Norm != PerturbationNorm.L2) throw new ArgumentException($"UAP norm must be linf or l2, got {Norm}");
        if (MaxPasses < 1) throw new ArgumentException($"UAP needs at least 1 pass, got {MaxPasses}");
        if (BatchSize < 1) throw new ArgumentException($"UAP batch size must be positive, got {BatchSize}");
        DeepFool.Validate();
    }
}

/// <summary>One pass of the UAP search, for progress reports.</summary>
public readonly record struct UniversalPerturbationProgress(int Pass, int MaxPasses, double FoolingRate, double Target);

/// <summary>The perturbation found and how far the search got.</summary>
/// <param name="Perturbation">v, shaped like one input [C, H, W]; ‖v‖ ≤ ξ in the chosen norm.</param>
/// <param name="FoolingRate">Share of the images whose label v changes (on x + v clipped to the valid range): the best
/// pass's, whose v is returned.</param>
/// <param name="Passes">Passes over the images that were run.</param>
/// <param name="ReachedTarget">False when the search stopped at its pass cap below 1 − δ.</param>
/// <param name="FoolingRatePerPass">The fooling rate after each pass.</param>
public sealed record UniversalPerturbationResult(Tensor Perturbation, double FoolingRate, int Passes, bool ReachedTarget, IReadOnlyList<double> FoolingRatePerPass)
{
    public string Describe() => ReachedTarget
        ? $"UAP reached fooling rate {FoolingRate:0.###} in {Passes} pass(es)"
        : $"UAP stopped at its cap of {Passes} pass(es) with fooling rate {FoolingRate:0.###}, below the target";
}

/// <summary>
/// Universal adversarial perturbation (Moosavi-Dezfooli et al. 2017, Alg. 1): one v for all images. Each pass
/// visits the images in a seeded random order; for an image x that v does not fool yet (k(x + v) = k(x)),
/// r = DeepFool(x + v) and v ← P_{p,ξ}(v + r), the projection onto the ℓp ball of radius ξ
/// (ℓ∞: clip each entry to [−ξ, ξ]; ℓ2: v · min(1, ξ/‖v‖₂)). After each pass the fooling rate over all images is
/// measured; the search stops once it reaches 1 − δ, or at the pass cap. The update is not monotone (a later
/// pass can fool fewer images), so the v of the best pass is returned (our choice).
/// Batching (our choice, for speed): images are taken <see cref="UniversalPerturbationOptions.BatchSize"/> at a
/// time; the not-yet-fooled ones of a batch get their DeepFool steps together against the same v, and the steps are
/// then added to v one after another, projecting after each, exactly as the sequential loop adds them. Only the
/// point each step is computed at lags by at most one batch. BatchSize 1 is the paper's loop.
/// Inputs are clipped to the valid range wherever the model sees x + v.
/// </summary>
public static class UniversalPerturbation
{
    /// <param name="model">Maps inputs in the valid range to logits, differentiably, in eval mode.</param>
    /// <param name="images">The images v must fool [n, C, H, W]; not modified.</param>
    public static UniversalPerturbationResult Compute(Func<Tensor, Tensor> model, Tensor images, UniversalPerturbationOptions options,
        IProgress<UniversalPerturbationProgress>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (images.Rank < 2 || images.Shape[0] == 0) throw new ArgumentException($"UAP wants a batch of images [n, ...], got {Tensor.FormatShape(images.Shape)}");
        int n = images.Shape[0], per = images.Size / n;
        var gen = new Generator(options.Seed);
        var v = new float[per];
        var cleanLabels = Labels(model, images, null, options.DeepFool);
        double target = 1 - options.Delta;
        var rates = new List<double>();
        var best = new float[per];
        double bestRate = -1;
        for (int pass = 1; pass <= options.MaxPasses; pass++)
        {
            var order = gen.Permutation(n);
            for (int start = 0; start < n; start += options.BatchSize)
            {
                cancel.ThrowIfCancellationRequested();
                var rows = order[start..Math.Min(n, start + options.BatchSize)];
                using var scope = TensorScope.Begin();
                var batch = images.IndexSelect(0, rows);
                var shifted = Shift(batch, v, options.DeepFool);
                var labels = Labels(model, shifted, null, options.DeepFool);
                var unfooled = Enumerable.Range(0, rows.Length).Where(i => labels[i] == cleanLabels[rows[i]]).ToArray();
                if (unfooled.Length == 0) continue;
                var found = DeepFool.Run(model, shifted.IndexSelect(0, unfooled), options.DeepFool);
                var r = found.Perturbation.Span;
                for (int i = 0; i < unfooled.Length; i++)
                {
                    var step = r.Slice(i * per, per);
                    for (int k = 0; k < per; k++) v[k] += step[k];
                    Project(v, options.Norm, options.Xi);
                }
            }
            double rate = FoolingRate(model, images, v, cleanLabels, options.DeepFool);
            rates.Add(rate);
            if (rate > bestRate) { bestRate = rate; v.CopyTo(best, 0); }
            progress?.Report(new UniversalPerturbationProgress(pass, options.MaxPasses, rate, target));
            if (rate >= target) break;
        }
        var result = Tensor.Persistent(images.Shape[1..]);
        best.CopyTo(result.Span);
        return new UniversalPerturbationResult(result, bestRate, rates.Count, bestRate >= target, rates);
    }

    /// <summary>Share of the images whose label changes when v is added (x + v clipped to the valid range).</summary>
    public static double FoolingRate(Func<Tensor, Tensor> model, Tensor images, Tensor perturbation, DeepFoolOptions? range = null)
    {
        var o = range ?? new DeepFoolOptions();
        if (perturbation.Size * images.Shape[0] != images.Size) throw new ArgumentException($"a perturbation of {Tensor.FormatShape(perturbation.Shape)} does not fit images of {Tensor.FormatShape(images.Shape)}");
        return FoolingRate(model, images, perturbation.ToArray(), Labels(model, images, null, o), o);
    }

    /// <summary>P_{p,ξ}: ℓ∞ clips each entry to [−ξ, ξ]; ℓ2 scales by min(1, ξ/‖v‖₂).</summary>
    public static void Project(Span<float> v, PerturbationNorm norm, float xi)
    {
        if (norm == PerturbationNorm.LInf)
        {
            for (int i = 0; i < v.Length; i++) v[i] = Math.Clamp(v[i], -xi, xi);
            return;
        }
        double s = 0;
        foreach (float x in v) s += (double)x * x;
        double length = Math.Sqrt(s);
        if (length <= xi) return;
        float scale = (float)(xi / length);
        for (int i = 0; i < v.Length; i++) v[i] *= scale;
    }

    /// <summary>x + v, clipped to the valid range, for every image of the batch.</summary>
    public static Tensor Shift(Tensor images, ReadOnlySpan<float> v, DeepFoolOptions range)
    {
        int n = images.Shape[0], per = images.Size / n;
        var shifted = Tensor.Empty(images.Shape);
        var src = images.Span; var dst = shifted.Span;
        for (int s = 0; s < n; s++)
            for (int i = 0; i < per; i++)
                dst[s * per + i] = Math.Clamp(src[s * per + i] + v[i], range.ClipMin, range.ClipMax);
        return shifted;
    }

    static double FoolingRate(Func<Tensor, Tensor> model, Tensor images, float[] v, int[] cleanLabels, DeepFoolOptions range)
    {
        var labels = Labels(model, images, v, range);
        int fooled = 0;
        for (int i = 0; i < labels.Length; i++) if (labels[i] != cleanLabels[i]) fooled++;
        return (double)fooled / labels.Length;
    }

    /// <summary>The model's labels of the images (shifted by v when given), in batches, without gradients.</summary>
    static int[] Labels(Func<Tensor, Tensor> model, Tensor images, float[]? v, DeepFoolOptions range)
    {
        const int chunk = 256;
        int n = images.Shape[0];
        var labels = new int[n];
        using var _ = GradMode.NoGrad();
        for (int start = 0; start < n; start += chunk)
        {
            using var scope = TensorScope.Begin();
            int end = Math.Min(n, start + chunk);
            var batch = images.Slice(0, start, end);
            if (v != null) batch = Shift(batch, v, range);
            model(batch).ArgMax(1).CopyTo(labels, start);
        }
        return labels;
    }
}
