using Lineage.Engine;
using Lineage.Engine.Optim;

namespace Lineage.Fingerprints.MetaFinger;

/// <summary>MetaFinger's settings (ALGORITHMS.md, the authors' code: Adam lr 0.01, 3 positive and 3 negative models
/// per step, α = 1, Gaussian noise 0.05 among the transforms).</summary>
public sealed record MetaFingerOptions
{
    public int Steps { get; init; } = 100;
    public double LearningRate { get; init; } = 0.01;
    public int ModelsPerStep { get; init; } = 3;
    public float Alpha { get; init; } = 1f;
    public float Noise { get; init; } = 0.05f;
    public int Seed { get; init; }
}

/// <summary>
/// One round of MetaFinger's query optimisation (Yang et al., IJCAI 2022): starting from owner images, Adam on the
/// pixels lowers mean KL(source ‖ positive) − α · mean KL(source ‖ negative) over a few positives (derived models)
/// and negatives (independent ones) drawn each step, through a random transform each step (none, a horizontal flip,
/// Gaussian noise, or both), so the queries keep working when a thief's input pipeline or model shifts a little.
/// Pixels are clamped to [0, 1] after every step.
/// </summary>
public static class MetaFingerOptimizer
{
    public static Tensor Optimize(Func<Tensor, Tensor> source, IReadOnlyList<Func<Tensor, Tensor>> positives, IReadOnlyList<Func<Tensor, Tensor>> negatives,
        Tensor start, MetaFingerOptions options, Generator gen, CancellationToken cancel = default)
    {
        if (positives.Count == 0 || negatives.Count == 0)
            throw new ArgumentException($"MetaFinger optimises against positives and negatives; got {positives.Count} and {negatives.Count}");
        var x = start.ClonePersistent();
        x.RequiresGrad = true;
        var adam = new Adam([x], options.LearningRate);
        int width = start.Shape[3];
        int[] mirrored = Enumerable.Range(0, width).Reverse().ToArray();
        for (int step = 0; step < options.Steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = TensorScope.Begin();
            adam.ZeroGrad();
            int transform = gen.NextInt(4);
            var input = (transform & 1) != 0 ? x.IndexSelect(3, mirrored) : x;
            if ((transform & 2) != 0) input = input + Tensor.Randn(gen, start.Shape) * options.Noise;
            Tensor anchor;
            using (GradMode.NoGrad()) anchor = Functional.Softmax(source(input), 1).Detach();
            var toPositives = KitModelBatch.Draw(positives, options.ModelsPerStep, gen).Select(m => Kl(anchor, m(input))).ToList();
            var toNegatives = KitModelBatch.Draw(negatives, options.ModelsPerStep, gen).Select(m => Kl(anchor, m(input))).ToList();
            var loss = KitModelBatch.Mean(toPositives) - KitModelBatch.Mean(toNegatives) * options.Alpha;
            loss.Backward();
            adam.Step();
            var pixels = x.Span;
            for (int i = 0; i < pixels.Length; i++) pixels[i] = Math.Clamp(pixels[i], 0f, 1f);
        }
        var queries = x.Detach().ClonePersistent();
        return queries;
    }

    /// <summary>KL(p ‖ softmax(logits)) averaged over the batch, p fixed.</summary>
    static Tensor Kl(Tensor p, Tensor logits)
    {
        var logP = (p + 1e-12f).Log();
        return (p * (logP - Functional.LogSoftmax(logits, 1))).Sum(1).Mean();
    }
}
