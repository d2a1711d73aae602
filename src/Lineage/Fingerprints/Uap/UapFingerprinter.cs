using System.Diagnostics;
using Lineage.Adversarial;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Suspects;

namespace Lineage.Fingerprints.Uap;

/// <summary>A step of UAP fingerprint creation, for progress reports.</summary>
public readonly record struct UapProgress(string Stage, string Detail);

/// <summary>Where the t-test's sample of innocent similarities comes from.</summary>
public enum UapNullSample
{
    /// <summary>Held-out references the encoder never saw (given to creation).</summary>
    HeldOut,
    /// <summary>Each training reference scored by an encoder trained without it (the default with ≥ 2 references).</summary>
    LeaveOneOut,
    /// <summary>The training references under the encoder trained on them (only one reference): the encoder pushed
    /// them away from the source, so a new innocent model sits closer and the test is optimistic.</summary>
    Training,
}

/// <summary>How creation went.</summary>
/// <param name="EncoderLoss">Per reading, the SupCon loss of the last epoch.</param>
public sealed record UapCreationStats(double UapSeconds, double PointsSeconds, double KitSeconds, double EncoderSeconds, double TotalSeconds,
    UapNullSample NullSample, int Surrogates, int References, int NullReferences, IReadOnlyDictionary<UapReading, double> EncoderLoss);

/// <summary>Everything creation produced: the verifiable fingerprint, which owner images it uses, the UAP search and the stats.</summary>
public sealed record UapFingerprintResult(UapFingerprint Fingerprint, UapPoints Points, UniversalPerturbationResult Uap, UapCreationStats Stats, Dictionary<string, string> Parameters)
{
    /// <summary>The N points' images [N, C, H, W] (view 0).</summary>
    public Tensor PointImages() => ViewImages(0);

    /// <summary>The images of view j [N, C, H, W]: the j-th neighbour of every point.</summary>
    public Tensor ViewImages(int view) => Fingerprint.Images.IndexSelect(0, Fingerprint.ViewIndex[view]).ClonePersistent();
}

/// <summary>
/// Creates a UAP fingerprint (Peng et al., CVPR 2022, Alg. 1): the source's UAP v (Moosavi-Dezfooli et al. 2017)
/// over owner images; N points by k-means on the source's logits of the owner data, and their neighbour views;
/// the fingerprints [softmax f(x), softmax f(x + v)] over the points of the source, the surrogates and the references,
/// one per view; per reading an encoder trained on them with SupCon (label 0 source and surrogates, 1 references);
/// the source's embeddings and the references' similarities for the t-test. The kit models are only queried
/// (black-box, full outputs).
/// </summary>
public static class UapFingerprinter
{
    /// <param name="surrogates">Models derived from the source (the owner's replay of the thief's moves): label 0.</param>
    /// <param name="references">Models trained independently: label 1.</param>
    /// <param name="nullReferences">Held-out independent models whose similarities form the t-test's innocent sample;
    /// when null, the training references' similarities are used (and the stats say so).</param>
    public static UapFingerprintResult Create(SourceModel source, Dataset ownerData, IReadOnlyList<ISuspect> surrogates, IReadOnlyList<ISuspect> references,
        UapOptions options, IProgress<UapProgress>? progress = null, IReadOnlyList<ISuspect>? nullReferences = null, CancellationToken cancel = default)
    {
        options.Validate(ownerData.Count, source.Classes);
        if (surrogates.Count == 0) throw new ArgumentException("UAP fingerprinting needs at least one surrogate in the kit (models derived from the source, label 0 of the encoder)");
        if (references.Count == 0) throw new ArgumentException("UAP fingerprinting needs at least one reference in the kit (independent models, label 1 of the encoder)");
        if (nullReferences is { Count: 0 }) throw new ArgumentException("UAP's held-out references, when given, must hold at least one model");
        var nulls = nullReferences ?? references;
        foreach (var m in surrogates.Concat(references).Concat(nulls)) CheckKitModel(m, source.Classes);
        if (ownerData.NumClasses > source.Classes) throw new ArgumentException($"the owner data has {ownerData.NumClasses} classes, the source {source.Classes}");

        var total = Stopwatch.StartNew();
        var seeds = new Generator(options.Seed);
        int subsampleSeed = seeds.NextInt(int.MaxValue), kmeansSeed = seeds.NextInt(int.MaxValue), uapSeed = seeds.NextInt(int.MaxValue);
        int c = source.Classes;

        var clock = Stopwatch.StartNew();
        progress?.Report(new UapProgress("points", $"k-means (K = {options.Points}) on the source's logits of {ownerData.Count} owner images"));
        var logits = source.LogitsOf(ownerData.AsTensor());
        var points = UapPoints.Select(logits, ownerData.Count, c, options.Points, options.Views, kmeansSeed, options.KMeansRestarts);
        double pointsSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var (images, viewIndex) = DistinctImages(ownerData, points);
        UniversalPerturbationResult uap;
        using (InputGradientsOnly(source))
            uap = options.PerImage ? PerImagePerturbations(source, images, options.Uap.DeepFool, progress)
                : Universal(source, ownerData, options, subsampleSeed, uapSeed, progress, cancel);
        progress?.Report(new UapProgress("uap", options.PerImage
            ? $"per-image DeepFool moved {uap.FoolingRate:P1} of {images.Shape[0]} view images across the source's boundary" : uap.Describe()));
        double uapSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        // The fingerprint's layout (queries, fingerprint vectors) before anything is trained: its encoders, embeddings
        // and reference similarities are placeholders, replaced by the trained ones below.
        var draft = new UapFingerprint(c, uap.Perturbation, images, viewIndex, options.Readings,
            options.Readings.ToDictionary(r => r, r => UapEncoder.Create(2 * c * options.Points, options.Encoder, new Generator(0))),
            options.Readings.ToDictionary(r => r, _ => new float[options.Views * options.Encoder.Embedding]),
            options.Readings.ToDictionary(r => r, _ => new double[2]));
        var queries = draft.Queries();
        progress?.Report(new UapProgress("kit", $"{draft.QueryCount} queries to the source and {surrogates.Count + references.Count + (nullReferences?.Count ?? 0)} kit models"));
        var sourceAnswers = SuspectOutput.FromLogits(source.LogitsOf(queries), draft.QueryCount, c);
        var surrogateAnswers = surrogates.Select(m => Ask(m, queries, draft.QueryCount)).ToList();
        var referenceAnswers = references.Select(m => Ask(m, queries, draft.QueryCount)).ToList();
        var nullAnswers = nullReferences == null ? referenceAnswers : nullReferences.Select(m => Ask(m, queries, draft.QueryCount)).ToList();
        double kitSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var encoders = new Dictionary<UapReading, UapEncoder>();
        var embeddings = new Dictionary<UapReading, float[]>();
        var similarities = new Dictionary<UapReading, double[]>();
        var losses = new Dictionary<UapReading, double>();
        var training = new List<(SuspectOutput Answers, int Label)> { (sourceAnswers, 0) };
        training.AddRange(surrogateAnswers.Select(a => (a, 0)));
        training.AddRange(referenceAnswers.Select(a => (a, 1)));
        var nullKind = nullReferences != null ? UapNullSample.HeldOut : references.Count >= 2 ? UapNullSample.LeaveOneOut : UapNullSample.Training;
        foreach (var reading in options.Readings)
        {
            cancel.ThrowIfCancellationRequested();
            progress?.Report(new UapProgress("encoder", $"training the {reading.Name} encoder on {training.Count} models × {options.Views} views"));
            int encoderSeed = seeds.NextInt(int.MaxValue);
            var (encoder, embedding, loss) = TrainEncoder(draft, training, reading, options, encoderSeed);
            losses[reading] = loss;
            encoders[reading] = encoder;
            embeddings[reading] = embedding;
            IEnumerable<double> innocent;
            if (nullKind == UapNullSample.LeaveOneOut)
            {
                // Each reference is scored by an encoder that never saw it, as a new innocent model would be.
                progress?.Report(new UapProgress("encoder", $"{references.Count} leave-one-out {reading.Name} encoders for the t-test's reference sample"));
                int first = 1 + surrogates.Count;
                innocent = referenceAnswers.SelectMany((answers, r) =>
                {
                    var without = training.Where((_, i) => i != first + r).ToList();
                    var (e, emb, _) = TrainEncoder(draft, without, reading, options, encoderSeed);
                    return Similarities(draft, reading, e, emb, answers);
                }).ToList();
            }
            else innocent = nullAnswers.SelectMany(a => Similarities(draft, reading, encoder, embedding, a));
            // Stored as F32 in the fingerprint file, so rounded now: the verdict is the same before and after saving.
            similarities[reading] = innocent.Select(x => (double)(float)x).ToArray();
        }
        double encoderSeconds = clock.Elapsed.TotalSeconds;

        var fingerprint = new UapFingerprint(c, uap.Perturbation, images, viewIndex, options.Readings, encoders, embeddings, similarities);
        var stats = new UapCreationStats(uapSeconds, pointsSeconds, kitSeconds, encoderSeconds, total.Elapsed.TotalSeconds, nullKind,
            surrogates.Count, references.Count, nulls.Count, losses);
        var parameters = options.Describe();
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        parameters["fooling_rate"] = uap.FoolingRate.ToString("R", inv);
        parameters["uap_passes"] = uap.Passes.ToString(inv);
        parameters["uap_reached_target"] = uap.ReachedTarget ? "true" : "false";
        parameters["null_sample"] = nullKind switch { UapNullSample.HeldOut => "held-out", UapNullSample.LeaveOneOut => "leave-one-out", _ => "training" };
        return new UapFingerprintResult(fingerprint, points, uap, stats, parameters);
    }

    static UniversalPerturbationResult Universal(SourceModel source, Dataset ownerData, UapOptions options, int subsampleSeed, int uapSeed,
        IProgress<UapProgress>? progress, CancellationToken cancel)
    {
        var uapData = options.UapImages >= ownerData.Count ? ownerData : DataSplits.Subsample(ownerData, options.UapImages, subsampleSeed);
        progress?.Report(new UapProgress("uap", $"universal perturbation over {uapData.Count} images (target fooling rate {1 - options.Uap.Delta:0.##})"));
        return UniversalPerturbation.Compute(source.Logits, uapData.AsTensor(), options.Uap with { Seed = uapSeed }, progress == null ? null : new PassReports(progress), cancel);
    }

    /// <summary>The Fig. 7 ablation: DeepFool's own minimal perturbation for every view image, in batches of 64;
    /// "fooling rate" is then the share of images DeepFool moved across the source's boundary.</summary>
    static UniversalPerturbationResult PerImagePerturbations(SourceModel source, Tensor images, DeepFoolOptions deepFool, IProgress<UapProgress>? progress)
    {
        int n = images.Shape[0], per = images.Size / n, fooled = 0;
        var all = Tensor.Persistent(images.Shape);
        for (int start = 0; start < n; start += 64)
        {
            int count = Math.Min(64, n - start);
            progress?.Report(new UapProgress("uap", $"per-image DeepFool perturbations: images {start + 1}–{start + count} of {n}"));
            var result = DeepFool.Run(source.Logits, images.Slice(0, start, start + count).ClonePersistent(), deepFool);
            result.Perturbation.Span.CopyTo(all.Span.Slice(start * per, count * per));
            for (int i = 0; i < count; i++) if (result.Fooled(i)) fooled++;
        }
        double rate = (double)fooled / n;
        return new UniversalPerturbationResult(all, rate, 1, true, [rate]);
    }

    /// <summary>An encoder trained on these models' fingerprints in one reading, the source's embeddings under it,
    /// and its last epoch's loss.</summary>
    static (UapEncoder Encoder, float[] SourceEmbedding, double Loss) TrainEncoder(UapFingerprint draft, IReadOnlyList<(SuspectOutput Answers, int Label)> models,
        UapReading reading, UapOptions options, int seed)
    {
        var vectors = models.SelectMany(t => draft.FingerprintVectors(t.Answers, reading)).ToArray();
        var labels = models.SelectMany(t => Enumerable.Repeat(t.Label, draft.Views)).ToArray();
        var gen = new Generator(seed);
        var encoder = UapEncoder.Create(draft.Length, options.Encoder, gen);
        var curve = encoder.Train(vectors, labels, options.Encoder, gen);
        return (encoder, encoder.Embed(draft.FingerprintVectors(models[0].Answers, reading), draft.Views), curve[^1]);
    }

    static double[] Similarities(UapFingerprint draft, UapReading reading, UapEncoder encoder, float[] sourceEmbedding, SuspectOutput answers) =>
        UapFingerprint.Cosines(encoder.Embed(draft.FingerprintVectors(answers, reading), draft.Views), sourceEmbedding, draft.Views, encoder.Embedding);

    /// <summary>DeepFool differentiates the logits with respect to the input only; a model file's parameters stop
    /// requiring gradients meanwhile, so backward passes skip the weight gradients (about half their cost).</summary>
    static IDisposable InputGradientsOnly(SourceModel source)
    {
        var parameters = source.File?.Model.Parameters().Where(p => p.RequiresGrad).ToList() ?? [];
        foreach (var p in parameters) p.RequiresGrad = false;
        return new Restore(parameters);
    }

    sealed class Restore(List<Tensor> parameters) : IDisposable
    {
        public void Dispose() { foreach (var p in parameters) p.RequiresGrad = true; }
    }

    /// <summary>The distinct owner images over all views (first appearance order) and each (view, point)'s row among them.</summary>
    static (Tensor Images, int[][] ViewIndex) DistinctImages(Dataset data, UapPoints points)
    {
        var rowOf = new Dictionary<int, int>();
        var order = new List<int>();
        var index = points.Views.Select(view => view.Select(owner =>
        {
            if (!rowOf.TryGetValue(owner, out int row)) { row = order.Count; rowOf[owner] = row; order.Add(owner); }
            return row;
        }).ToArray()).ToArray();
        return (data.Gather(order.ToArray()).ClonePersistent(), index);
    }

    static void CheckKitModel(ISuspect model, int classes)
    {
        if (model.Classes != classes) throw new ArgumentException($"kit model {model.Name} has {model.Classes} classes, the source {classes}");
        if (model.Mode != OutputMode.Logits && model.Mode != OutputMode.Probabilities)
            throw new ArgumentException($"kit model {model.Name} reveals only {model.Mode}; UAP trains its encoders on the kit's full outputs (logits or probabilities)");
    }

    static SuspectOutput Ask(ISuspect model, Tensor queries, int count)
    {
        var answers = model.Query(queries);
        if (answers.Count != count) throw new InvalidDataException($"kit model {model.Name} answered {answers.Count} of {count} queries");
        return answers;
    }

    /// <summary>Each UAP pass as a creation step, reported on the calling thread.</summary>
    sealed class PassReports(IProgress<UapProgress> progress) : IProgress<UniversalPerturbationProgress>
    {
        public void Report(UniversalPerturbationProgress p) =>
            progress.Report(new UapProgress("uap", $"pass {p.Pass}/{p.MaxPasses}: fooling rate {p.FoolingRate:0.###} (target {p.Target:0.##})"));
    }
}
