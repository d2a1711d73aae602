using Lineage.Engine;
using Lineage.Engine.Optim;

namespace Lineage.Fingerprints.MetaV;

/// <summary>MetaV's settings (ALGORITHMS.md: Adam lr 0.01 with linear decay; hidden 128).</summary>
public sealed record MetaVOptions
{
    public int Hidden { get; init; } = 128;
    public int Steps { get; init; } = 300;
    public double LearningRate { get; init; } = 0.01;
    public int Seed { get; init; }
}

/// <summary>
/// MetaV's joint optimisation: the N queries, parameterised through tanh so they stay in [0, 1], and the
/// meta-verifier are trained together on the owner's models, loss = −log p_derived(source) − mean log p_derived(positive)
/// − mean log p_independent(negative), each model's input to the verifier being its concatenated softmax outputs on
/// the queries. Every model is differentiated with respect to the queries (white box: they are the owner's).
/// </summary>
public static class MetaVTraining
{
    public sealed record Result(Tensor Queries, MetaVVerifier Verifier, IReadOnlyList<double> Losses);

    public static Result Train(Func<Tensor, Tensor> source, IReadOnlyList<Func<Tensor, Tensor>> positives, IReadOnlyList<Func<Tensor, Tensor>> negatives,
        Tensor start, int classes, MetaVOptions options, IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        if (positives.Count == 0 || negatives.Count == 0)
            throw new ArgumentException($"MetaV learns from positives (derived models) and negatives (independent ones); got {positives.Count} and {negatives.Count}");
        if (options.Steps < 1 || !(options.LearningRate > 0) || options.Hidden < 1)
            throw new ArgumentException($"MetaV needs steps ≥ 1, a learning rate > 0 and hidden ≥ 1; got {options.Steps}, {options.LearningRate}, {options.Hidden}");
        int n = start.Shape[0], inputs = n * classes;
        // x = (tanh(w) + 1) / 2, so w = atanh(2x − 1), the pixels kept off 0 and 1 where atanh is infinite
        var w = Tensor.Persistent(start.Shape);
        var x0 = start.Span; var ws = w.Span;
        for (int i = 0; i < ws.Length; i++) ws[i] = MathF.Atanh(2 * Math.Clamp(x0[i], 1e-3f, 1 - 1e-3f) - 1);
        w.RequiresGrad = true;
        var gen = new Generator(options.Seed);
        var verifier = MetaVVerifier.Create(inputs, options.Hidden, gen);
        var adam = new Adam([w, .. verifier.Parameters()], options.LearningRate);
        var models = new List<(Func<Tensor, Tensor> Model, int Label)> { (source, 1) };
        models.AddRange(positives.Select(m => (m, 1)));
        models.AddRange(negatives.Select(m => (m, 0)));
        var losses = new List<double>();
        for (int step = 0; step < options.Steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            foreach (var g in adam.ParamGroups) g.Lr = options.LearningRate * (1 - (double)step / options.Steps);
            using var scope = TensorScope.Begin();
            adam.ZeroGrad();
            var x = (w.Tanh() + 1f) * 0.5f;
            var outputs = Tensor.Cat(models.Select(m => Functional.Softmax(m.Model(x), 1).Reshape(1, inputs)).ToList(), 0);
            var logProbabilities = Functional.LogSoftmax(verifier.Forward(outputs), 1);
            var loss = Term(logProbabilities, [0], 1) + Term(logProbabilities, Rows(models, 1, skipFirst: true), 1) + Term(logProbabilities, Rows(models, 0), 0);
            loss.Backward();
            adam.Step();
            losses.Add(loss.Item());
            if (progress is not null && (step % 50 == 0 || step == options.Steps - 1))
                progress.Report($"MetaV step {step + 1}/{options.Steps}: loss {losses[^1]:0.####}");
        }
        var queries = Tensor.Persistent(start.Shape);
        var qs = queries.Span; ws = w.Span;
        for (int i = 0; i < qs.Length; i++) qs[i] = (MathF.Tanh(ws[i]) + 1) / 2;
        return new Result(queries, verifier, losses);
    }

    static int[] Rows(List<(Func<Tensor, Tensor> Model, int Label)> models, int label, bool skipFirst = false)
        => Enumerable.Range(skipFirst ? 1 : 0, models.Count - (skipFirst ? 1 : 0)).Where(i => models[i].Label == label).ToArray();

    /// <summary>−mean over <paramref name="rows"/> of log p(<paramref name="label"/>).</summary>
    static Tensor Term(Tensor logProbabilities, int[] rows, int label)
        => logProbabilities.IndexSelect(0, rows).IndexSelect(1, [label]).Mean() * -1f;
}
