using Lineage.Data;
using Lineage.Engine;
using Lineage.Fingerprints;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Tests.Fingerprints.Combined;

/// <summary>A scripted suspect: a linear classifier on the flattened image (logits = W x), answering in a chosen mode.
/// Counts what it was asked.</summary>
public sealed class LinearSuspect(string name, float[] weights, int classes, OutputMode mode = OutputMode.Logits, int k = 1) : ISuspect
{
    public string Name => name;
    public OutputMode Mode => mode;
    public int Classes => classes;
    public float[] Weights => weights;
    public long Asked { get; private set; }

    public SuspectOutput Query(Tensor images)
    {
        int n = images.Shape[0], d = images.Size / n;
        var x = images.ToArray();
        var logits = new float[n * classes];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < classes; c++)
            {
                double s = 0;
                for (int j = 0; j < d; j++) s += weights[c * d + j] * x[i * d + j];
                logits[i * classes + c] = (float)s;
            }
        Asked += n;
        return OutputReduction.Reveal(SuspectOutput.FromLogits(logits, n, classes), mode, k);
    }

    /// <summary>A copy of <paramref name="source"/> with its weights perturbed by <paramref name="noise"/> (a "stolen" model).</summary>
    public static LinearSuspect Derived(LinearSuspect source, string name, double noise, int seed, OutputMode mode = OutputMode.Logits)
    {
        var rng = new Random(seed);
        return new LinearSuspect(name, source.Weights.Select(w => (float)(w + noise * (rng.NextDouble() * 2 - 1))).ToArray(), source.Classes, mode);
    }

    public static LinearSuspect Random(string name, int seed, int classes = LinearWorld.Classes, OutputMode mode = OutputMode.Logits)
    {
        var rng = new Random(seed);
        return new LinearSuspect(name, Enumerable.Range(0, classes * LinearWorld.Pixels).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), classes, mode);
    }
}

/// <summary>Fingerprints of a linear source (or any suspect taking 1×4×4 images) made without training: random query images, the source's logits, and
/// rules calibrated on independent linear models, for any catalog method that needs no artifacts (akh, ipguard, sac-m).</summary>
public static class LinearWorld
{
    public const int Classes = 5, Side = 4, Pixels = Side * Side;
    public static readonly Preprocessing Preprocessing = Preprocessing.Identity(1, Side, Side);

    public static LinearSuspect Source() => LinearSuspect.Random("source", 1);
    public static IReadOnlyList<LinearSuspect> Nulls(int count, int seed = 100) => Enumerable.Range(0, count).Select(i => LinearSuspect.Random($"null{i}", seed + i)).ToList();

    /// <param name="preprocessing">What the fingerprint declares its suspects take (default: the linear suspects' 1×4×4 identity); the queries have its shape.</param>
    public static Fingerprint Make(string method, ISuspect source, int queries, int seed, IReadOnlyList<ISuspect> nulls,
        double targetFpr = 0.05, string sourceHash = "feedbeef00000000", IReadOnlyList<string>? views = null, Preprocessing? preprocessing = null)
    {
        preprocessing ??= Preprocessing;
        var rng = new Random(seed);
        var images = Tensor.FromArray(Enumerable.Range(0, queries * preprocessing.Shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)rng.NextDouble()).ToArray(), [queries, .. preprocessing.Shape]);
        var parameters = method == "sac-m"
            ? new Dictionary<string, string> { ["correlation"] = "cosine", ["output"] = "logits", ["rbf_sigma2"] = "1", ["label_epsilon"] = "0.1" }
            : new Dictionary<string, string>();
        var fp = new Fingerprint
        {
            Method = method, CreatedUtc = new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero), SourceModelHash = sourceHash,
            Parameters = parameters, Queries = images, SourceOutput = source.Query(images), Preprocessing = preprocessing,
            Rules = [DecisionRule.Paper(FingerprintCatalog.Get(method).Info.Direction, 0, "placeholder")],
        };
        var m = FingerprintCatalog.Get(method);
        var byView = new Dictionary<string, List<double>>();
        foreach (var view in m.Views(fp))
            foreach (var n in nulls)
            {
                var scored = m.Score(fp, view.From(n.Query(images)));
                if (!byView.TryGetValue(scored.Representation, out var list)) byView[scored.Representation] = list = [];
                list.Add(scored.Value);
            }
        fp.Rules = byView.Where(kv => views is null || views.Contains(kv.Key))
            .Select(kv => DecisionRule.Calibrated(m.Info.Direction, kv.Value, targetFpr, kv.Key, "linear null models")).ToList();
        return fp;
    }

    public static string Save(Fingerprint fp, string dir, string name)
    {
        var path = Path.Combine(dir, name);
        FingerprintFile.Save(fp, path);
        return path;
    }
}
