using System.Diagnostics;
using System.Globalization;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Engine.Optim;
using Lineage.Models.Training;

namespace Lineage.Generative;

/// <summary>One progress line's worth of GAN training.</summary>
public sealed record GanProgress(int Iteration, int Iterations, double DiscriminatorLoss, double GeneratorLoss, double RealScore, double FakeScore, double ImagesPerSecond);

/// <summary>What a finished run did.</summary>
public sealed record GanTrainingReport(int ResumedFromIteration, int Iterations, TimeSpan Elapsed, double FinalDiscriminatorLoss, double FinalGeneratorLoss);

/// <summary>
/// Trains a class-conditional GAN with the hinge loss (SAGAN; NaturalFinger's GAN):
/// L_D = E[max(0, 1 − D(x, c))] + E[max(0, 1 + D(G(z, c'), c'))], L_G = −E[D(G(z, c'), c')],
/// real images mapped to [-1, 1]. It checkpoints every few iterations (atomic, hashed) and resumes from the
/// checkpoint it finds. A non-finite loss, or a discriminator that wins completely (zero hinge loss for a long
/// stretch, leaving the generator no gradient), stops training with a message, and the last good checkpoint stays.
/// </summary>
public static class GanTrainer
{
    public static (GanFile File, GanTrainingReport Report) Train(Dataset data, GanTrainingOptions o, string? checkpointPath,
        IProgress<GanProgress>? progress = null, CancellationToken cancel = default)
    {
        o.Validate();
        if (data.Count == 0) throw new ArgumentException($"no images to train a GAN on in {data.Origin.Description}");
        if (data.Height != data.Width) throw new ArgumentException($"a GAN needs square images; {data.Origin.Description} has {data.Height}×{data.Width}");
        var spec = new GanSpec { LatentSize = o.LatentSize, Classes = data.NumClasses, Channels = data.Channels, ImageSize = data.Height, Width = o.Width };
        spec.Validate();
        var gan = new ConditionalGan(spec, new Generator(o.Seed));
        gan.Train();
        var optG = new Adam(gan.G.Parameters(), o.GeneratorLr, o.Beta1, o.Beta2);
        var optD = new Adam(gan.D.Parameters(), o.DiscriminatorLr, o.Beta1, o.Beta2);
        string dataKey = $"{data.Origin.Description} ({data.Count} images)";
        int start = checkpointPath != null && File.Exists(checkpointPath) ? GanCheckpoint.Restore(checkpointPath, gan, optG, optD, o, dataKey) : 0;
        int lastGood = start;

        var clock = Stopwatch.StartNew();
        double dLoss = double.NaN, gLoss = double.NaN, realScore = 0, fakeScore = 0;
        int zeroLossRun = 0, sinceReport = 0;
        var reportClock = Stopwatch.StartNew();
        for (int it = start; it < o.Iterations; it++)
        {
            cancel.ThrowIfCancellationRequested();
            var rng = new Generator(Mix(o.Seed, it));
            using (var scope = TensorScope.Begin())
            {
                var indices = new int[o.BatchSize];
                for (int i = 0; i < indices.Length; i++) indices[i] = rng.NextInt(data.Count);
                var real = data.Gather(indices) * 2f - 1f;
                var realLabels = indices.Select(i => data.Labels[i]).ToArray();

                // discriminator step, on real images and on generated ones it cannot push gradients into
                optD.ZeroGrad();
                var fakeLabels = RandomLabels(rng, o.BatchSize, spec.Classes);
                Tensor fake;
                using (GradMode.NoGrad()) fake = gan.G.Forward(gan.G.Condition(Tensor.Randn(rng, o.BatchSize, spec.LatentSize), fakeLabels)).Detach();
                var dReal = gan.D.Score(real, realLabels);
                var dFake = gan.D.Score(fake, fakeLabels);
                var lossD = dReal.RSub(1f).Relu().Mean() + (dFake + 1f).Relu().Mean();
                lossD.Backward();
                optD.Step();

                // generator step through the discriminator
                optG.ZeroGrad();
                var genLabels = RandomLabels(rng, o.BatchSize, spec.Classes);
                var generated = gan.G.Forward(gan.G.Condition(Tensor.Randn(rng, o.BatchSize, spec.LatentSize), genLabels));
                var lossG = -gan.D.Score(generated, genLabels).Mean();
                lossG.Backward();
                optG.Step();

                dLoss = lossD.Item(); gLoss = lossG.Item();
                realScore = dReal.Mean().Item(); fakeScore = dFake.Mean().Item();
            }
            if (!double.IsFinite(dLoss) || !double.IsFinite(gLoss))
                throw Diverged($"a loss became non-finite at iteration {it + 1} (discriminator {dLoss}, generator {gLoss})", checkpointPath, lastGood);
            zeroLossRun = dLoss == 0 ? zeroLossRun + 1 : 0;
            if (zeroLossRun >= o.DiscriminatorWinPatience)
                throw Diverged($"the discriminator won completely: its hinge loss was 0 for {zeroLossRun} iterations up to {it + 1} (real scored {realScore:0.00}, generated {fakeScore:0.00}), so the generator gets no gradient", checkpointPath, lastGood);

            int done = it + 1;
            sinceReport++;
            if (done % o.ProgressEvery == 0 || done == o.Iterations)
            {
                double rate = sinceReport * o.BatchSize * 3 / Math.Max(reportClock.Elapsed.TotalSeconds, 1e-9);
                progress?.Report(new GanProgress(done, o.Iterations, dLoss, gLoss, realScore, fakeScore, rate));
                sinceReport = 0; reportClock.Restart();
            }
            if (checkpointPath != null && done % o.CheckpointEvery == 0 && done < o.Iterations)
            {
                GanCheckpoint.Save(checkpointPath, gan, optG, optD, o, dataKey, done);
                lastGood = done;
            }
        }
        gan.Eval();
        var file = new GanFile
        {
            Gan = gan,
            TrainedOn = data.Origin.Description,
            Dataset = data.Origin.DatasetName,
            ClassNames = data.ClassNames,
            Seed = o.Seed,
            Iterations = o.Iterations,
        };
        return (file, new GanTrainingReport(start, o.Iterations, clock.Elapsed, dLoss, gLoss));
    }

    static TrainingDivergedException Diverged(string what, string? checkpoint, int lastGood) =>
        new($"GAN training stopped: {what}. " + (checkpoint != null && lastGood > 0
            ? $"The last good checkpoint (iteration {lastGood}) is kept at {checkpoint}; lower the learning rates to go on from it, or delete it to start again."
            : "No checkpoint was written yet; try lower learning rates."));

    static int[] RandomLabels(Generator rng, int n, int classes)
    {
        var labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = rng.NextInt(classes);
        return labels;
    }

    /// <summary>A seed for iteration i of a run seeded s (splitmix-style mixing, so neighbouring iterations are unrelated).</summary>
    static ulong Mix(int seed, int iteration)
    {
        ulong x = ((ulong)(uint)seed << 32) ^ (uint)iteration;
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
