using Lineage.Adversarial;
using Lineage.Engine;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints.Uap;

/// <summary>
/// What verifying a suspect with UAP fingerprinting needs, and nothing else: the source's UAP v, the distinct owner
/// images the views use, which image stands for which point in which view, one encoder per reading with the
/// source's embeddings and the reference models' similarities in that reading. Queries are every distinct view
/// image once and the same image plus v (clipped to [0,1]): 2·U ≤ 2·N·views queries.
/// </summary>
public sealed class UapFingerprint
{
    public int Classes { get; }
    /// <summary>v [C, H, W]; or one perturbation per image [U, C, H, W] (the per-image ablation, UAP Fig. 7).</summary>
    public Tensor Perturbation { get; }
    public bool PerImage => Images.Shape[0] > 1 && Perturbation.Size == Images.Size;
    /// <summary>The distinct owner images of all views [U, C, H, W].</summary>
    public Tensor Images { get; }
    /// <summary>ViewIndex[j][i]: the row of <see cref="Images"/> standing for point i in view j (view 0: the points).</summary>
    public int[][] ViewIndex { get; }
    public IReadOnlyList<UapReading> Readings { get; }
    public IReadOnlyDictionary<UapReading, UapEncoder> Encoders { get; }
    /// <summary>Per reading, the source's embedding of each view's fingerprint [views × embedding].</summary>
    public IReadOnlyDictionary<UapReading, float[]> SourceEmbeddings { get; }
    /// <summary>Per reading, the similarities of the reference models' fingerprints (all references, all views):
    /// the t-test's sample of innocent models.</summary>
    public IReadOnlyDictionary<UapReading, double[]> ReferenceSimilarities { get; }

    public int Points => ViewIndex[0].Length;
    public int Views => ViewIndex.Length;
    /// <summary>Length of one fingerprint, 2·C·N (Eq. 6).</summary>
    public int Length => 2 * Classes * Points;
    public int QueryCount => 2 * Images.Shape[0];

    public UapFingerprint(int classes, Tensor perturbation, Tensor images, int[][] viewIndex, IReadOnlyList<UapReading> readings,
        IReadOnlyDictionary<UapReading, UapEncoder> encoders, IReadOnlyDictionary<UapReading, float[]> sourceEmbeddings,
        IReadOnlyDictionary<UapReading, double[]> referenceSimilarities)
    {
        if (classes < 2) throw new ArgumentException($"a UAP fingerprint needs at least 2 classes, got {classes}");
        if (images.Rank < 2 || perturbation.Size * images.Shape[0] != images.Size && perturbation.Size != images.Size)
            throw new InvalidDataException($"UAP perturbation {Tensor.FormatShape(perturbation.Shape)} does not fit images {Tensor.FormatShape(images.Shape)}");
        if (viewIndex.Length == 0 || viewIndex[0].Length == 0 || viewIndex.Any(v => v.Length != viewIndex[0].Length))
            throw new InvalidDataException("UAP view index must hold the same number (≥ 1) of points in every view");
        if (viewIndex.Any(v => v.Any(i => (uint)i >= (uint)images.Shape[0]))) throw new InvalidDataException($"UAP view index points outside the {images.Shape[0]} images");
        if (readings.Count == 0) throw new InvalidDataException("a UAP fingerprint needs at least one reading");
        Classes = classes; Perturbation = perturbation; Images = images; ViewIndex = viewIndex; Readings = readings;
        Encoders = encoders; SourceEmbeddings = sourceEmbeddings; ReferenceSimilarities = referenceSimilarities;
        foreach (var r in readings)
        {
            if (!encoders.TryGetValue(r, out var e) || !sourceEmbeddings.TryGetValue(r, out var s) || !referenceSimilarities.TryGetValue(r, out var refs))
                throw new InvalidDataException($"UAP reading {r.Name} lacks its encoder, source embeddings or reference similarities");
            if (e.Inputs != Length) throw new InvalidDataException($"UAP encoder for {r.Name} takes {e.Inputs} values; fingerprints have 2·{classes}·{Points} = {Length}");
            if (s.Length != Views * e.Embedding) throw new InvalidDataException($"UAP source embeddings for {r.Name} hold {s.Length} values, expected {Views}×{e.Embedding}");
            if (refs.Length < 2) throw new InvalidDataException($"UAP needs at least 2 reference similarities for {r.Name}, got {refs.Length}");
        }
    }

    /// <summary>The queries: the distinct view images, then the same images plus v clipped to [0,1].</summary>
    public Tensor Queries()
    {
        var shifted = PerImage ? ShiftEach(Images, Perturbation) : UniversalPerturbation.Shift(Images, Perturbation.Span, new DeepFoolOptions());
        var all = Tensor.Persistent([QueryCount, .. Images.Shape[1..]]);
        Images.Span.CopyTo(all.Span);
        shifted.Span.CopyTo(all.Span[Images.Size..]);
        return all;
    }

    /// <summary>x_i + δ_i clipped to [0, 1], image by image.</summary>
    static Tensor ShiftEach(Tensor images, Tensor perturbations)
    {
        var shifted = Tensor.Empty(images.Shape);
        var x = images.Span; var d = perturbations.Span; var dst = shifted.Span;
        for (int i = 0; i < dst.Length; i++) dst[i] = Math.Clamp(x[i] + d[i], 0f, 1f);
        return shifted;
    }

    /// <summary>Asks the suspect the queries and scores its answers. A suspect with another class count is refused
    /// before any query: UAP compares output vectors class by class.</summary>
    public UapScore Verify(ISuspect suspect, double alpha = 0.05, int? views = null)
    {
        CheckClasses(suspect.Classes, suspect.Name);
        return Score(suspect.Query(Queries()), alpha, views);
    }

    /// <summary>Scores answers to <see cref="Queries"/>: similarities per view in the richest reading the answers
    /// allow, their mean, and the one-sided Welch t-tests against the references' similarities in that reading.</summary>
    /// <param name="views">Use only the first this many views (≥ 2), e.g. to see how the p-value falls with the
    /// number of fingerprints; all by default.</param>
    public UapScore Score(SuspectOutput answers, double alpha = 0.05, int? views = null)
    {
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentException($"significance α must lie in (0, 1), got {alpha}");
        int used = views ?? Views;
        if (used < 2 || used > Views) throw new ArgumentException($"UAP scores with 2..{Views} views, got {used}");
        var reading = ReadingOf(answers);
        var similarities = Similarities(answers, reading)[..used];
        var references = ReferenceSimilarities[reading];
        var (p, reverse, degenerate) = TestAgainstReferences(similarities, references);
        var decision = p < alpha ? UapDecision.Stolen : reverse < alpha ? UapDecision.Independent : UapDecision.Inconclusive;
        return new UapScore(reading, similarities, similarities.Average(), p, reverse, alpha, decision, degenerate);
    }

    /// <summary>The reading used for answers of this kind; fails when none of the fingerprint's readings fits.</summary>
    public UapReading ReadingOf(SuspectOutput answers)
    {
        CheckClasses(answers.Classes, "the suspect");
        if (answers.Count != QueryCount) throw new ArgumentException($"the suspect answered {answers.Count} queries, the UAP fingerprint asks {QueryCount}");
        return UapReading.For(answers.Mode, answers.K, Classes, Readings)
            ?? throw new NotSupportedException($"this UAP fingerprint has no reading for {answers.Mode}{(answers.Mode == OutputMode.TopK ? $" (k = {answers.K})" : "")} answers; it reads {string.Join(", ", Readings.Select(r => r.Name))}");
    }

    /// <summary>Cosine similarity per view between the encoder's embedding of these answers' fingerprint and the source's.</summary>
    public double[] Similarities(SuspectOutput answers, UapReading reading)
    {
        var encoder = Encoders[reading];
        var embedded = encoder.Embed(FingerprintVectors(answers, reading), Views);
        return Cosines(embedded, SourceEmbeddings[reading], Views, encoder.Embedding);
    }

    /// <summary>One fingerprint per view [views × 2·C·N] (Eq. 6): for each point, the reading of f(x) then of f(x + v).</summary>
    public float[] FingerprintVectors(SuspectOutput answers, UapReading reading)
    {
        if (answers.Count != QueryCount) throw new ArgumentException($"the suspect answered {answers.Count} queries, the UAP fingerprint asks {QueryCount}");
        int c = Classes, n = Points, u = Images.Shape[0];
        var result = new float[Views * Length];
        for (int j = 0; j < Views; j++)
            for (int i = 0; i < n; i++)
            {
                int row = ViewIndex[j][i];
                var at = result.AsSpan(j * Length + 2 * c * i, 2 * c);
                reading.Read(answers, row, at[..c]);
                reading.Read(answers, u + row, at[c..]);
            }
        return result;
    }

    internal static double[] Cosines(float[] a, float[] b, int rows, int d)
    {
        var result = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double dot = 0, na = 0, nb = 0;
            for (int k = 0; k < d; k++)
            {
                double x = a[r * d + k], y = b[r * d + k];
                dot += x * y; na += x * x; nb += y * y;
            }
            result[r] = na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
        }
        return result;
    }

    /// <summary>Both one-sided Welch tests of the suspect's similarities against the references' (UAP §5.2): P for
    /// mean(suspect) &gt; mean(references), Reverse for &lt;.</summary>
    public static (double PValue, double Reverse, bool Degenerate) TestAgainstReferences(double[] suspect, double[] references)
    {
        if (Spread(suspect) == 0 && Spread(references) == 0)
        {
            double s = suspect[0], r = references[0];
            return s > r ? (0, 1, true) : s < r ? (1, 0, true) : (0.5, 0.5, true);
        }
        var greater = WelchTTest.Test(suspect, references, TestAlternative.Greater);
        var less = WelchTTest.Test(suspect, references, TestAlternative.Less);
        return (greater.PValue, less.PValue, false);
    }

    static double Spread(double[] x) => x.Max() - x.Min();

    void CheckClasses(int classes, string who)
    {
        if (classes != Classes)
            throw new NotSupportedException($"{who} has {classes} classes and the source {Classes}: UAP fingerprints compare output vectors class by class, so this suspect cannot be read by this method");
    }

    // ---------- artifacts ----------

    /// <summary>Everything as named tensors, for a fingerprint file. Without <paramref name="withImages"/> the view
    /// images are left out, for a file that stores <see cref="Queries"/> anyway (they are its first half).</summary>
    public Dictionary<string, Tensor> ToArtifacts(bool withImages = true)
    {
        var d = new Dictionary<string, Tensor>
        {
            ["classes"] = Tensor.FromArray([Classes], 1),
            ["perturbation"] = Perturbation,
            ["view_index"] = Tensor.FromArray(ViewIndex.SelectMany(v => v.Select(i => (float)i)).ToArray(), Views, Points),
            ["readings"] = Tensor.FromArray(Readings.Select(r => (float)r.TopK).ToArray(), Readings.Count),
        };
        if (withImages) d["images"] = Images;
        foreach (var r in Readings)
        {
            foreach (var (name, t) in Encoders[r].Weights()) d[$"encoder.{r.Name}.{name}"] = t;
            d[$"source_embedding.{r.Name}"] = Tensor.FromArray(SourceEmbeddings[r], Views, Encoders[r].Embedding);
            d[$"reference_similarity.{r.Name}"] = Tensor.FromArray(ReferenceSimilarities[r].Select(x => (float)x).ToArray(), ReferenceSimilarities[r].Length);
        }
        return d;
    }

    /// <summary>Reads back what <see cref="ToArtifacts"/> wrote; the view images come from <paramref name="queries"/>
    /// (their first half) when the artifacts do not hold them.</summary>
    public static UapFingerprint FromArtifacts(IReadOnlyDictionary<string, Tensor> artifacts, Tensor? queries = null)
    {
        Tensor Get(string name) => artifacts.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"UAP fingerprint lacks its '{name}' artifact");
        int classes = (int)Get("classes").Span[0];
        var index = Get("view_index");
        if (index.Rank != 2) throw new InvalidDataException($"UAP 'view_index' must be [views, points], got {Tensor.FormatShape(index.Shape)}");
        var viewIndex = new int[index.Shape[0]][];
        for (int j = 0; j < viewIndex.Length; j++) viewIndex[j] = index.Span.Slice(j * index.Shape[1], index.Shape[1]).ToArray().Select(v => (int)v).ToArray();
        var readings = Get("readings").ToArray().Select(v => new UapReading((int)v)).ToList();
        var encoders = new Dictionary<UapReading, UapEncoder>();
        var embeddings = new Dictionary<UapReading, float[]>();
        var references = new Dictionary<UapReading, double[]>();
        foreach (var r in readings)
        {
            string prefix = $"encoder.{r.Name}.";
            encoders[r] = UapEncoder.FromWeights(artifacts.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value));
            embeddings[r] = Get($"source_embedding.{r.Name}").ToArray();
            references[r] = Get($"reference_similarity.{r.Name}").ToArray().Select(v => (double)v).ToArray();
        }
        Tensor images;
        if (artifacts.TryGetValue("images", out var stored)) images = stored;
        else if (queries is { Rank: 4 } && queries.Shape[0] % 2 == 0) images = queries.Slice(0, 0, queries.Shape[0] / 2).ClonePersistent();
        else throw new InvalidDataException("UAP fingerprint lacks its 'images' artifact and has no queries to take them from");
        return new UapFingerprint(classes, Get("perturbation"), images, viewIndex, readings, encoders, embeddings, references);
    }
}
