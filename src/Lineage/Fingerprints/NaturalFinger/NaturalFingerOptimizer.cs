using Lineage.Adversarial;
using Lineage.Engine;
using Lineage.Engine.Optim;
using Lineage.Generative;

namespace Lineage.Fingerprints.NaturalFinger;

/// <summary>NaturalFinger's settings: the paper's and the authors' code's values (ALGORITHMS.md) unless noted; the three
/// switches are the tricks the paper ablates (Table 3).</summary>
public sealed record NaturalFingerOptions
{
    /// <summary>SGD steps per round. 600, not the authors' 1,000, to fit five rounds in 10 minutes on 2 cores; 200 reached
    /// both labels on 26 of 41 candidates but left only 2 of them under every screening transform, where 600 left 15
    /// (κ = 5, one round on the owner's kit, docs/naturalfinger.md).</summary>
    public int Steps { get; init; } = DefaultSteps;
    public const int DefaultSteps = 600;
    /// <summary>SGD on z (the authors' code: 0.1, momentum 0.9, Nesterov; the paper: 0.5).</summary>
    public double LearningRate { get; init; } = 0.1;
    public double Momentum { get; init; } = 0.9;
    /// <summary>CW confidence κ: each CW term stops pulling once its models give their label by a margin of κ. The
    /// authors' code uses 50, a margin the logits of the small models here never reach, so the positives' term pulls at
    /// every step, and since positives and negatives largely share their features that pull holds the negatives at
    /// y_pos too. Measured on the owner's kit alone (docs/naturalfinger.md): κ = 50 gave 0 fingerprints in two rounds,
    /// κ = 5 gave 22 and κ = 1 gave 39; with two surrogates left out of the kit, κ = 5's fingerprints matched those unseen
    /// students on 58 % and 92 % of queries (κ = 1's: 57 % and 69 %) against at most 10 % for held-out references.</summary>
    public float Kappa { get; init; } = DefaultKappa;
    public const float DefaultKappa = 5f;
    /// <summary>Weight λ of the discriminator's hinge term (paper: 0.5).</summary>
    public float Lambda { get; init; } = 0.5f;
    /// <summary>Positive and negative models drawn per step (the authors' code: 4 and 4).</summary>
    public int ModelsPerStep { get; init; } = 4;
    /// <summary>FGSM step for the adversarial label (paper: 8/255).</summary>
    public float FgsmEpsilon { get; init; } = 8f / 255f;
    public bool AdversarialLabel { get; init; } = true;
    public bool InputTransform { get; init; } = true;
    public bool DiscriminatorLoss { get; init; } = true;
    /// <summary>The transforms a step draws from (each equally likely); null: the paper's kinds over their whole ranges
    /// (<see cref="NaturalTransform.Random"/>).</summary>
    public IReadOnlyList<NaturalTransform>? Transforms { get; init; }
    public int Seed { get; init; }
}

/// <summary>
/// NaturalFinger's search (Yang and Lai, Algorithm 1) over a GAN's latent space:
/// <list type="number">
/// <item>start from latents whose images every positive model (the source and its surrogates) labels alike: y_pos;</item>
/// <item>y_neg, the label the negatives (independent references) should give: the majority label of the negatives on
/// an untargeted FGSM step of the image against them (the "adversarial label", the closest other class), or a random
/// other class without that trick;</item>
/// <item>optimise z only, by SGD, on mean_pos CW(f(T(x)), y_pos) + mean_neg CW(f(T(x)), y_neg) + λ·max(0, 1 − D(x)),
/// with a random transform T each step and a few models of each side drawn each step;</item>
/// </list>
/// so the images land where the source's derivatives and independent models decide differently, while the
/// discriminator keeps them on images it takes for real data.
/// </summary>
public static class NaturalFingerOptimizer
{
    /// <summary>Rows on which every positive gives the same label, and that label.</summary>
    public static (int[] Rows, int[] Labels) Agreed(IReadOnlyList<Func<Tensor, Tensor>> positives, Tensor images)
    {
        var labels = positives.Select(m => KitModelBatch.Labels(m, images)).ToList();
        var rows = Enumerable.Range(0, images.Shape[0]).Where(i => labels.All(l => l[i] == labels[0][i])).ToArray();
        return (rows, rows.Select(i => labels[0][i]).ToArray());
    }

    /// <summary>y_neg per image: with the adversarial-label trick, the negatives' majority label after one FGSM step away
    /// from y_pos against their mean logits (ties and a majority equal to y_pos fall to the negatives' strongest other
    /// class); without it, a random class other than y_pos.</summary>
    public static int[] NegativeLabels(IReadOnlyList<Func<Tensor, Tensor>> negatives, Tensor images, int[] positiveLabels, int classes, NaturalFingerOptions o, Generator gen)
    {
        int n = positiveLabels.Length;
        if (!o.AdversarialLabel)
            return positiveLabels.Select(y => (y + 1 + gen.NextInt(classes - 1)) % classes).ToArray();
        Tensor Ensemble(Tensor x) => negatives.Select(m => m(x)).Aggregate((a, b) => a + b) * (1f / negatives.Count);
        var adversarial = GradientAttack.Run(Ensemble, images, positiveLabels, GradientAttackOptions.Fgsm(o.FgsmEpsilon), gen);
        var votes = new int[n, classes];
        var strength = new double[n, classes];
        foreach (var m in negatives)
        {
            using var _ = GradMode.NoGrad();
            using var scope = TensorScope.Begin();
            var logits = m(adversarial);
            var l = logits.Span;
            var labels = logits.ArgMax(1);
            for (int i = 0; i < n; i++)
            {
                votes[i, labels[i]]++;
                for (int k = 0; k < classes; k++) strength[i, k] += l[i * classes + k];
            }
        }
        var result = new int[n];
        for (int i = 0; i < n; i++)
        {
            int best = -1;
            for (int k = 0; k < classes; k++)
                if (k != positiveLabels[i] && (best < 0 || votes[i, k] > votes[i, best] || (votes[i, k] == votes[i, best] && strength[i, k] > strength[i, best]))) best = k;
            result[i] = best;
        }
        return result;
    }

    /// <summary>Optimises the latents z ([n, latent], classes fixed) and returns them.</summary>
    public static Tensor Optimize(ConditionalGan gan, Tensor startLatents, int[] classes, int[] positiveLabels, int[] negativeLabels,
        IReadOnlyList<Func<Tensor, Tensor>> positives, IReadOnlyList<Func<Tensor, Tensor>> negatives, NaturalFingerOptions o, Generator gen,
        IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        if (positives.Count == 0 || negatives.Count == 0)
            throw new ArgumentException($"NaturalFinger optimises against positive and negative models; got {positives.Count} and {negatives.Count}");
        gan.Eval();
        var z = startLatents.ClonePersistent();
        z.RequiresGrad = true;
        var sgd = new Sgd([z], o.LearningRate, o.Momentum, nesterov: o.Momentum > 0);
        for (int step = 0; step < o.Steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = TensorScope.Begin();
            sgd.ZeroGrad();
            var raw = gan.G.Forward(gan.G.Condition(z, classes));
            var images = (raw + 1f) * 0.5f;
            var input = !o.InputTransform ? images
                : o.Transforms is { Count: > 0 } set ? Fresh(set[(int)gen.NextInt(set.Count)], gen).Apply(images)
                : NaturalTransform.Random(gen).Apply(images);
            var pos = KitModelBatch.Draw(positives, o.ModelsPerStep, gen).Select(m => CarliniWagner(m(input), positiveLabels, o.Kappa)).ToList();
            var neg = KitModelBatch.Draw(negatives, o.ModelsPerStep, gen).Select(m => CarliniWagner(m(input), negativeLabels, o.Kappa)).ToList();
            var loss = KitModelBatch.Mean(pos) + KitModelBatch.Mean(neg);
            if (o.DiscriminatorLoss)
                loss = loss + gan.D.Score(raw, classes).RSub(1f).Relu().Mean() * o.Lambda;
            // each latent is its own search: differentiate the sum over images, not the mean, or every latent's step
            // would shrink with the number of candidates optimised together (100 candidates: a 100× smaller step)
            (loss * z.Shape[0]).Backward();
            sgd.Step();
            if (progress != null && ((step + 1) % 50 == 0 || step + 1 == o.Steps))
                progress.Report($"NaturalFinger step {step + 1}/{o.Steps}: loss {loss.Item():0.###}");
        }
        z.RequiresGrad = false;
        return z.Detach().ClonePersistent();
    }

    /// <summary>A transform drawn from a fixed set, with fresh noise when it is the noise transform.</summary>
    static NaturalTransform Fresh(NaturalTransform t, Generator gen)
        => t.Kind == NaturalTransformKind.Noise ? t with { NoiseSeed = (int)gen.NextInt(int.MaxValue) } : t;

    /// <summary>Rows that keep their labels under every screening transform: every positive says y_pos, every negative y_neg.</summary>
    public static int[] Screen(Tensor images, int[] positiveLabels, int[] negativeLabels,
        IReadOnlyList<Func<Tensor, Tensor>> positives, IReadOnlyList<Func<Tensor, Tensor>> negatives, IReadOnlyList<NaturalTransform> transforms) =>
        ScreenWithCounts(images, positiveLabels, negativeLabels, positives, negatives, transforms).Survivors;

    /// <summary><see cref="Screen"/>'s survivors and, per screening transform, how many rows keep every label under that
    /// transform alone (where an empty screen loses its candidates), from one labelling of every transformed image.</summary>
    public static (int[] Survivors, int[] PerTransform) ScreenWithCounts(Tensor images, int[] positiveLabels, int[] negativeLabels,
        IReadOnlyList<Func<Tensor, Tensor>> positives, IReadOnlyList<Func<Tensor, Tensor>> negatives, IReadOnlyList<NaturalTransform> transforms)
    {
        int n = images.Shape[0];
        var distinct = Enumerable.Range(0, n).Select(i => positiveLabels[i] != negativeLabels[i]).ToArray();
        var alive = (bool[])distinct.Clone();
        var perTransform = new int[transforms.Count];
        for (int k = 0; k < transforms.Count; k++)
        {
            Tensor transformed;
            using (GradMode.NoGrad()) transformed = transforms[k].Apply(images).ClonePersistent();
            var kept = (bool[])distinct.Clone();
            foreach (var m in positives) Keep(kept, KitModelBatch.Labels(m, transformed), positiveLabels);
            foreach (var m in negatives) Keep(kept, KitModelBatch.Labels(m, transformed), negativeLabels);
            perTransform[k] = kept.Count(b => b);
            for (int i = 0; i < n; i++) alive[i] &= kept[i];
        }
        return (Enumerable.Range(0, n).Where(i => alive[i]).ToArray(), perTransform);
    }

    /// <summary>On the untransformed images, how many rows every positive gives y_pos, every negative y_neg, and both
    /// (the stage counts an empty screen reports), each model's labels read once.</summary>
    public static (int Positives, int Negatives, int Both) Counts(Tensor images, int[] positiveLabels, int[] negativeLabels,
        IReadOnlyList<Func<Tensor, Tensor>> positives, IReadOnlyList<Func<Tensor, Tensor>> negatives)
    {
        int n = images.Shape[0];
        var pos = Enumerable.Repeat(true, n).ToArray();
        var neg = Enumerable.Repeat(true, n).ToArray();
        foreach (var m in positives) Keep(pos, KitModelBatch.Labels(m, images), positiveLabels);
        foreach (var m in negatives) Keep(neg, KitModelBatch.Labels(m, images), negativeLabels);
        var distinct = Enumerable.Range(0, n).Select(i => positiveLabels[i] != negativeLabels[i]).ToArray();
        return (Enumerable.Range(0, n).Count(i => pos[i] && distinct[i]), Enumerable.Range(0, n).Count(i => neg[i] && distinct[i]),
                Enumerable.Range(0, n).Count(i => pos[i] && neg[i] && distinct[i]));
    }

    static void Keep(bool[] alive, int[] labels, int[] wanted)
    {
        for (int i = 0; i < alive.Length; i++) alive[i] &= labels[i] == wanted[i];
    }

    /// <summary>CW(Z, t) = max(max_{i≠t} Z_i − Z_t, −κ) (Carlini and Wagner, 2017; NaturalFinger Eq. 3), averaged over the batch.</summary>
    public static Tensor CarliniWagner(Tensor logits, int[] targets, float kappa)
    {
        int n = logits.Shape[0], c = logits.Shape[1];
        var pick = Tensor.Zeros(n, c);
        var others = Tensor.Zeros(n, c);
        for (int i = 0; i < n; i++)
        {
            pick.Span[i * c + targets[i]] = 1f;
            others.Span[i * c + targets[i]] = -1e9f;
        }
        var target = (logits * pick).Sum(1);
        var best = (logits + others).Max(1);
        return ((best - target) + kappa).Relu().Mean() - kappa;
    }
}
