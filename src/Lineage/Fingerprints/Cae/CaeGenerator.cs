using System.Diagnostics;
using System.Globalization;
using Lineage.Adversarial;
using Lineage.Data;
using Lineage.Engine;

namespace Lineage.Fingerprints.Cae;

/// <summary>
/// C-BIM (CAE §4.4, Algorithm 2): from owner images the source classifies correctly, an iterative L∞ attack on
/// the ensemble of the source, its training surrogates and training references (<see cref="CaeEnsemble"/>)
/// minimises <see cref="CaeLoss"/>; every step moves each pixel by the step size against the loss gradient's
/// sign and projects back into the ε-ball and [0, 1]. Of the candidates whose source label flipped, the n most
/// conferrable on the training models (hard Confer, Eq. 10; ties by the soft score M_E[t]) are kept.
/// Candidates run in batches through every model at once; all models must be in eval mode.
/// </summary>
public static class CaeGenerator
{
    /// <summary>The fewest training surrogates and references C-BIM accepts: with one of each, conferrability
    /// is a single model's yes/no and the ensemble has nothing to average.</summary>
    public const int MinimumTrainingModels = 2;

    public static CaeResult Generate(SourceModel source, IReadOnlyList<Func<Tensor, Tensor>> surrogates, IReadOnlyList<Func<Tensor, Tensor>> references,
        Dataset ownerData, CaeOptions options, IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        if (source.Classes != ownerData.NumClasses)
            throw new ArgumentException($"the source has {source.Classes} classes, the owner data {ownerData.NumClasses}");
        return Generate(source.Logits, surrogates, references, ownerData, options, progress, cancel);
    }

    /// <param name="source">[0,1] images → the source's logits, differentiable w.r.t. the images.</param>
    /// <param name="surrogates">Training surrogates' logits (derived from the source), differentiable.</param>
    /// <param name="references">Training references' logits (trained independently), differentiable.</param>
    /// <param name="ownerData">The owner's labelled images the candidates are drawn from.</param>
    /// <exception cref="ArgumentException">Bad settings, too few models, a model that cannot read the owner's
    /// images, or fewer qualifying candidates than examples asked for.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; nothing is returned.</exception>
    public static CaeResult Generate(Func<Tensor, Tensor> source, IReadOnlyList<Func<Tensor, Tensor>> surrogates, IReadOnlyList<Func<Tensor, Tensor>> references,
        Dataset ownerData, CaeOptions options, IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (surrogates.Count < MinimumTrainingModels || references.Count < MinimumTrainingModels)
            throw new ArgumentException($"CAE needs at least {MinimumTrainingModels} training surrogates and {MinimumTrainingModels} training references; got {surrogates.Count} and {references.Count}");
        if (ownerData.Count == 0) throw new ArgumentException("CAE needs owner images to start from; the owner data is empty");
        var clock = Stopwatch.StartNew();
        var ensemble = new CaeEnsemble(source, surrogates, references);
        ensemble.CheckMembersRead(ownerData.Gather([0]), ownerData.NumClasses);

        var start = CorrectlyClassified(source, ownerData, options, cancel);
        int count = start.Length, per = ownerData.ImageSize, classes = ownerData.NumClasses;
        if (count < options.Examples)
            throw new ArgumentException($"CAE examples n = {options.Examples} is larger than the candidates found: the source classifies {count} of {ownerData.Count} owner images correctly");

        var gen = new Generator(options.Seed);
        var final = new float[count * per];
        var sourceLabels = new int[count];
        var confer = new double[count];
        var soft = new double[count];
        int batches = (count + options.BatchSize - 1) / options.BatchSize;
        for (int b = 0; b < batches; b++)
        {
            int first = b * options.BatchSize, size = Math.Min(options.BatchSize, count - first);
            var idx = start.AsSpan(first, size).ToArray();
            var original = idx.Select(i => ownerData.Labels[i]).ToArray();
            var x = Attack(ensemble, ownerData.Gather(idx), original, options, gen, (step, o) => Report(progress, b, batches, step, options, o, original), cancel);
            using var scope = TensorScope.Begin();
            using (GradMode.NoGrad())
            {
                var o = ensemble.Forward(x);
                var c = Conferrability.Confer(o.SurrogateLabels, o.ReferenceLabels, o.SourceLabels);
                var s = Conferrability.Soft(o.Surr.ToArray(), o.Ref.ToArray(), classes, o.SourceLabels);
                for (int i = 0; i < size; i++)
                {
                    sourceLabels[first + i] = o.SourceLabels[i];
                    confer[first + i] = c[i];
                    soft[first + i] = s[i];
                }
                x.Span.CopyTo(final.AsSpan(first * per, size * per));
            }
        }

        var originals = start.Select(i => ownerData.Labels[i]).ToArray();
        var flipped = Enumerable.Range(0, count).Where(i => sourceLabels[i] != originals[i]).ToArray();
        var qualified = flipped.Where(i => confer[i] >= options.MinConferrability).ToArray();
        if (qualified.Length < options.Examples)
            throw new ArgumentException($"CAE examples n = {options.Examples} is larger than the candidates found: of {count} candidates {flipped.Length} flipped the source's label and {qualified.Length} reached conferrability ≥ {options.MinConferrability.ToString("0.##", CultureInfo.InvariantCulture)} (raise candidates or epsilon, or lower n)");
        var kept = qualified.OrderByDescending(i => confer[i]).ThenByDescending(i => soft[i]).ThenBy(i => i).Take(options.Examples).ToArray();

        var examples = Tensor.Persistent(options.Examples, ownerData.Channels, ownerData.Height, ownerData.Width);
        for (int k = 0; k < kept.Length; k++) final.AsSpan(kept[k] * per, per).CopyTo(examples.Span.Slice(k * per, per));
        var stats = new CaeStats(count, flipped.Length, qualified.Length, kept.Length, flipped.Count(i => confer[i] >= 1),
            flipped.Length == 0 ? 0 : flipped.Average(i => confer[i]), kept.Average(i => confer[i]), clock.Elapsed.TotalSeconds);
        progress?.Report(string.Create(CultureInfo.InvariantCulture,
            $"CAE kept {kept.Length} of {count} candidates ({flipped.Length} flipped, {stats.FullyConferrable} fully conferrable): mean conferrability {stats.MeanKeptConferrability:F3} in {stats.Seconds:F0} s"));
        return new CaeResult
        {
            Examples = examples,
            SourceLabels = kept.Select(i => sourceLabels[i]).ToArray(),
            OwnerIndices = kept.Select(i => start[i]).ToArray(),
            OriginalLabels = kept.Select(i => originals[i]).ToArray(),
            Conferrability = kept.Select(i => confer[i]).ToArray(),
            SoftConferrability = kept.Select(i => soft[i]).ToArray(),
            Stats = stats,
        };
    }

    /// <summary>C-BIM on one batch: returns the last iterate (persistent, no graph).</summary>
    static Tensor Attack(CaeEnsemble ensemble, Tensor clean, int[] original, CaeOptions options, Generator gen,
        Action<int, CaeEnsembleOutput> onStep, CancellationToken cancel)
    {
        var cleanCopy = clean.ClonePersistent();
        var x = clean.ClonePersistent();
        Tensor cleanProbabilities;
        using (var scope = TensorScope.Begin())
        using (GradMode.NoGrad())
            cleanProbabilities = Functional.Softmax(ensemble.Forward(cleanCopy).SourceLogits, 1).ClonePersistent();
        // descend the loss: GradientAttack's targeted step
        var bim = new GradientAttackOptions { Epsilon = options.Epsilon, StepSize = options.StepSize, Steps = options.Steps, RandomStart = false, Targeted = true };
        for (int step = 0; step < options.Steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = TensorScope.Begin();
            var xv = x.Detach().RequireGrad();
            var output = ensemble.Forward(xv, options.Dropout, gen);
            var targets = CaeLoss.Targets(output.Scores, output.Classes, original);
            var loss = CaeLoss.Compute(output, targets, cleanProbabilities, options);
            var grad = Autograd.Grad(loss, [xv])[0];
            onStep(step, output);
            GradientAttack.Step(x, grad, bim);
            GradientAttack.Project(x, cleanCopy, bim);
        }
        return x;
    }

    /// <summary>Owner images, in a seeded random order, that the source labels correctly, up to the candidate count.</summary>
    static int[] CorrectlyClassified(Func<Tensor, Tensor> source, Dataset data, CaeOptions options, CancellationToken cancel)
    {
        var order = new Generator(options.Seed).Permutation(data.Count);
        var found = new List<int>(options.Candidates);
        const int chunk = 512;
        for (int from = 0; from < order.Length && found.Count < options.Candidates; from += chunk)
        {
            cancel.ThrowIfCancellationRequested();
            var idx = order.AsSpan(from, Math.Min(chunk, order.Length - from)).ToArray();
            using var scope = TensorScope.Begin();
            using var _ = GradMode.NoGrad();
            var labels = source(data.Gather(idx)).ArgMax(1);
            for (int i = 0; i < idx.Length && found.Count < options.Candidates; i++)
                if (labels[i] == data.Labels[idx[i]]) found.Add(idx[i]);
        }
        return found.ToArray();
    }

    static void Report(IProgress<string>? progress, int batch, int batches, int step, CaeOptions options, CaeEnsembleOutput o, int[] original)
    {
        if (progress == null || (step % 10 != 0 && step != options.Steps - 1)) return;
        var c = Conferrability.Confer(o.SurrogateLabels, o.ReferenceLabels, o.SourceLabels);
        int flipped = 0, qualify = 0, full = 0;
        for (int i = 0; i < c.Length; i++)
            if (o.SourceLabels[i] != original[i])
            {
                flipped++;
                if (c[i] >= options.MinConferrability) qualify++;
                if (c[i] >= 1) full++;
            }
        progress.Report(string.Create(CultureInfo.InvariantCulture,
            $"CAE batch {batch + 1}/{batches} step {step + 1}/{options.Steps}: mean conferrability {c.Average():F3}, {flipped} of {c.Length} flipped, {qualify} qualify, {full} fully conferrable"));
    }
}
