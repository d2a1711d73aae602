using Lineage.Engine;

namespace Lineage.Fingerprints.Cae;

/// <summary>
/// CAE's ensemble M_E (Eq. 11–13): the source and its surrogates vote on one side, the references on the other,
///   Surr = mean softmax over the source and surrogates, Ref = mean softmax over the references,
///   M_E = (1 − Ref) ⊙ Surr.
/// Before the output each member's prediction is dropped with the dropout probability, independently per
/// example (§6.2 puts a Dropout layer before M_E's output so the examples do not overfit the training models;
/// the re-implementations drop whole members, which is what a member's vote is here). Each side keeps at least
/// one member per example, so both means stay defined.
/// </summary>
public sealed class CaeEnsemble
{
    readonly Func<Tensor, Tensor> source;
    readonly IReadOnlyList<Func<Tensor, Tensor>> surrogates;
    readonly IReadOnlyList<Func<Tensor, Tensor>> references;

    /// <param name="source">[0,1] images → the source's logits, differentiable w.r.t. the images.</param>
    /// <param name="surrogates">The training surrogates' logits (models derived from the source).</param>
    /// <param name="references">The training references' logits (models trained independently).</param>
    public CaeEnsemble(Func<Tensor, Tensor> source, IReadOnlyList<Func<Tensor, Tensor>> surrogates, IReadOnlyList<Func<Tensor, Tensor>> references)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (surrogates.Count < 1) throw new ArgumentException("the CAE ensemble needs at least one surrogate", nameof(surrogates));
        if (references.Count < 1) throw new ArgumentException("the CAE ensemble needs at least one reference", nameof(references));
        this.source = source; this.surrogates = surrogates; this.references = references;
    }

    public int SurrogateCount => surrogates.Count;
    public int ReferenceCount => references.Count;

    /// <summary>Runs every member on <paramref name="probe"/> (a few owner images) so a model of another input shape
    /// or class count fails with its role named, rather than deep inside an attack.</summary>
    public void CheckMembersRead(Tensor probe, int classes)
    {
        var members = new List<(string Role, Func<Tensor, Tensor> Model)> { ("the source", source) };
        members.AddRange(surrogates.Select((m, i) => ($"surrogate {i + 1}", m)));
        members.AddRange(references.Select((m, i) => ($"reference {i + 1}", m)));
        using var scope = TensorScope.Begin();
        using var _ = GradMode.NoGrad();
        foreach (var (role, model) in members)
        {
            Tensor logits;
            try { logits = model(probe); }
            catch (Exception e)
            {
                throw new ArgumentException($"CAE: {role} cannot read the owner images of shape {Tensor.FormatShape(probe.Shape[1..])}: {e.Message}", e);
            }
            int n = probe.Shape[0];
            if (logits.Rank != 2 || logits.Shape[0] != n || logits.Shape[1] != classes)
                throw new ArgumentException($"CAE: {role} answered logits of shape {Tensor.FormatShape(logits.Shape)} for {n} owner images; expected [{n}, {classes}]");
        }
    }

    /// <summary>Every member on <paramref name="x"/> [n, C, H, W]; differentiable w.r.t. x when x requires grad.</summary>
    /// <param name="dropout">Probability of dropping a member's vote per example; 0 (or a null generator) keeps all.</param>
    public CaeEnsembleOutput Forward(Tensor x, float dropout = 0f, Generator? gen = null)
    {
        int n = x.Shape[0];
        bool drop = dropout > 0 && gen != null;
        var sourceLogits = source(x);
        int classes = CheckLogits(sourceLogits, n, "the source");
        var sourceProbabilities = Functional.Softmax(sourceLogits, 1);
        var (surrogateProbabilities, surrogateLabels) = Members(surrogates, x, n, classes, "surrogate");
        var (referenceProbabilities, referenceLabels) = Members(references, x, n, classes, "reference");

        var surrogateWeights = drop ? KeptMembers(surrogates.Count, n, dropout, gen!) : AllKept(surrogates.Count, n);
        var referenceWeights = drop ? KeptMembers(references.Count, n, dropout, gen!) : AllKept(references.Count, n);
        var sourceWeight = new float[n];
        for (int i = 0; i < n; i++) sourceWeight[i] = drop && gen!.NextFloat() < dropout ? 0f : 1f;

        var surrogateMean = WeightedMean(surrogateProbabilities, surrogateWeights, null, null, n);
        var surr = WeightedMean(surrogateProbabilities, surrogateWeights, sourceProbabilities, sourceWeight, n); // Eq. 11: S_M holds the source
        var reference = WeightedMean(referenceProbabilities, referenceWeights, null, null, n);                    // Eq. 12
        var output = (1f - reference) * surr;                                                                   // Eq. 13
        return new CaeEnsembleOutput
        {
            Classes = classes,
            SourceLogits = sourceLogits,
            SourceProbabilities = sourceProbabilities,
            SurrogateMean = surrogateMean,
            Surr = surr,
            Ref = reference,
            Output = output,
            Scores = FullScores(sourceProbabilities, surrogateProbabilities, referenceProbabilities, n, classes),
            SourceLabels = sourceLogits.ArgMax(1),
            SurrogateLabels = surrogateLabels,
            ReferenceLabels = referenceLabels,
        };
    }

    static (Tensor[] Probabilities, int[][] Labels) Members(IReadOnlyList<Func<Tensor, Tensor>> models, Tensor x, int n, int classes, string role)
    {
        var p = new Tensor[models.Count];
        var labels = new int[models.Count][];
        for (int m = 0; m < models.Count; m++)
        {
            var logits = models[m](x);
            int c = CheckLogits(logits, n, $"{role} {m + 1}");
            if (c != classes) throw new ArgumentException($"{role} {m + 1} has {c} classes, the source has {classes}");
            p[m] = Functional.Softmax(logits, 1);
            labels[m] = logits.ArgMax(1);
        }
        return (p, labels);
    }

    /// <summary>M_E with every member kept (no graph): the score targets and selection read.</summary>
    static float[] FullScores(Tensor source, Tensor[] surrogates, Tensor[] references, int n, int classes)
    {
        var surr = source.ToArray();
        foreach (var p in surrogates) { var d = p.Span; for (int k = 0; k < surr.Length; k++) surr[k] += d[k]; }
        var reference = new float[n * classes];
        foreach (var p in references) { var d = p.Span; for (int k = 0; k < reference.Length; k++) reference[k] += d[k]; }
        float surrCount = surrogates.Length + 1, refCount = references.Length;
        for (int k = 0; k < surr.Length; k++) surr[k] = surr[k] / surrCount * (1f - reference[k] / refCount);
        return surr;
    }

    static int CheckLogits(Tensor logits, int n, string who)
    {
        if (logits.Rank != 2 || logits.Shape[0] != n)
            throw new ArgumentException($"{who} answered logits of shape {Tensor.FormatShape(logits.Shape)} for {n} images; expected [{n}, classes]");
        return logits.Shape[1];
    }

    static float[][] AllKept(int members, int n)
    {
        var w = new float[members][];
        for (int m = 0; m < members; m++) { w[m] = new float[n]; Array.Fill(w[m], 1f); }
        return w;
    }

    /// <summary>Per example, each member kept with probability 1 − p; if all were dropped, one drawn uniformly is kept.</summary>
    static float[][] KeptMembers(int members, int n, float p, Generator gen)
    {
        var w = new float[members][];
        for (int m = 0; m < members; m++) w[m] = new float[n];
        for (int i = 0; i < n; i++)
        {
            bool any = false;
            for (int m = 0; m < members; m++)
                if (gen.NextFloat() >= p) { w[m][i] = 1f; any = true; }
            if (!any) w[gen.NextInt(members)][i] = 1f;
        }
        return w;
    }

    /// <summary>Σ_m w_m p_m / Σ_m w_m per example, with an optional extra member.</summary>
    static Tensor WeightedMean(Tensor[] probabilities, float[][] weights, Tensor? extra, float[]? extraWeight, int n)
    {
        var count = new float[n];
        for (int i = 0; i < n; i++)
        {
            float k = extraWeight?[i] ?? 0f;
            foreach (var w in weights) k += w[i];
            count[i] = k;
        }
        Tensor? sum = null;
        for (int m = 0; m < probabilities.Length; m++)
        {
            var term = probabilities[m] * Column(weights[m], count, n);
            sum = sum == null ? term : sum + term;
        }
        if (extra != null) sum = sum! + extra * Column(extraWeight!, count, n);
        return sum!;
    }

    static Tensor Column(float[] weight, float[] count, int n)
    {
        var t = Tensor.Empty(n, 1);
        var d = t.Span;
        for (int i = 0; i < n; i++) d[i] = weight[i] / count[i];
        return t;
    }
}

/// <summary>One pass of the ensemble: the differentiable means and every member's hard labels.</summary>
public sealed class CaeEnsembleOutput
{
    public required int Classes { get; init; }
    public required Tensor SourceLogits { get; init; }
    public required Tensor SourceProbabilities { get; init; }
    /// <summary>Mean softmax over the (kept) surrogates alone, without the source.</summary>
    public required Tensor SurrogateMean { get; init; }
    /// <summary>Surr (Eq. 11): mean softmax over the kept members of the source and its surrogates.</summary>
    public required Tensor Surr { get; init; }
    /// <summary>Ref (Eq. 12): mean softmax over the kept references.</summary>
    public required Tensor Ref { get; init; }
    /// <summary>M_E = (1 − Ref) ⊙ Surr (Eq. 13).</summary>
    public required Tensor Output { get; init; }
    /// <summary>M_E with no member dropped, [n, classes] row-major, detached: what targets and selection read.</summary>
    public required float[] Scores { get; init; }
    public required int[] SourceLabels { get; init; }
    public required int[][] SurrogateLabels { get; init; }
    public required int[][] ReferenceLabels { get; init; }
}
