using Lineage.Engine;

namespace Lineage.Adversarial;

/// <summary>Settings of DeepFool (Moosavi-Dezfooli et al. 2016, Alg. 2, multi-class): the candidate classes are
/// the <see cref="Candidates"/> highest-scoring ones of the clean input (the reference code's
/// <c>num_classes = 10</c>), the final step is enlarged by 1 + <see cref="Overshoot"/> (0.02), and a sample gives up
/// after <see cref="MaxIterations"/> linearisations (50). Every iterate is clipped to the valid input range.</summary>
public sealed record DeepFoolOptions
{
    public int Candidates { get; init; } = 10;
    public float Overshoot { get; init; } = 0.02f;
    public int MaxIterations { get; init; } = 50;
    public float ClipMin { get; init; } = 0f;
    public float ClipMax { get; init; } = 1f;

    public void Validate()
    {
        if (Candidates < 2) throw new ArgumentException($"DeepFool needs at least 2 candidate classes, got {Candidates}");
        if (!(Overshoot >= 0) || !float.IsFinite(Overshoot)) throw new ArgumentException($"DeepFool overshoot must be a finite value >= 0, got {Overshoot}");
        if (MaxIterations < 1) throw new ArgumentException($"DeepFool needs at least 1 iteration, got {MaxIterations}");
        if (!(ClipMax > ClipMin)) throw new ArgumentException($"DeepFool's input range [{ClipMin}, {ClipMax}] is empty");
    }
}

/// <summary>What DeepFool found for each sample of a batch.</summary>
/// <param name="Adversarial">x + r, clipped to the valid range, same shape as the inputs.</param>
/// <param name="Perturbation">r = Adversarial − x (the overshoot and the clipping included).</param>
/// <param name="Labels">The model's label of each clean input.</param>
/// <param name="AdversarialLabels">The model's label of each adversarial input.</param>
/// <param name="Iterations">Linearisation steps each sample took.</param>
public sealed record DeepFoolResult(Tensor Adversarial, Tensor Perturbation, int[] Labels, int[] AdversarialLabels, int[] Iterations)
{
    /// <summary>Whether sample i left its clean label.</summary>
    public bool Fooled(int i) => AdversarialLabels[i] != Labels[i];
}

/// <summary>
/// DeepFool: the smallest L2 step to the nearest decision boundary of the model's local linearisation, repeated
/// until the label changes. At iterate x_t with clean label l, for every candidate k ≠ l
///   w_k = ∇f_k(x_t) − ∇f_l(x_t),  f'_k = f_k(x_t) − f_l(x_t),
/// the closest boundary is k̂ = argmin_k |f'_k| / ‖w_k‖₂ and the step is r_t = (|f'_k̂| / ‖w_k̂‖₂ + 10⁻⁴) w_k̂ / ‖w_k̂‖₂
/// (Alg. 2; the 10⁻⁴ is the reference code's, so a linear model is crossed, not just reached). The iterate is
/// x + (1 + overshoot) Σ r_t, clipped to the valid range.
/// The batch runs together: one forward pass per iteration for the samples still on their label and one backward
/// pass per candidate class over the same graph (the rows are independent in eval mode, so each row's gradient is
/// its sample's). Works for any differentiable map from inputs to logits (catalog architectures, imported ONNX graphs).
/// </summary>
public static class DeepFool
{
    /// <param name="model">Maps a batch of inputs (in the valid range) to logits [n, classes], differentiably, in eval mode.</param>
    /// <param name="inputs">Clean inputs [n, ...]; not modified.</param>
    public static DeepFoolResult Run(Func<Tensor, Tensor> model, Tensor inputs, DeepFoolOptions? options = null)
    {
        var o = options ?? new DeepFoolOptions();
        o.Validate();
        if (inputs.Rank < 2 || inputs.Shape[0] == 0) throw new ArgumentException($"DeepFool wants a batch of inputs [n, ...], got {Tensor.FormatShape(inputs.Shape)}");
        int n = inputs.Shape[0], per = inputs.Size / n;
        var clean = inputs.ToArray();
        var total = new float[clean.Length];   // Σ r_t per sample, before the overshoot
        var labels = new int[n];
        var current = new int[n];
        var iterations = new int[n];
        int[][] candidates = new int[n][];
        var active = Enumerable.Range(0, n).ToList();

        for (int iteration = 0; active.Count > 0; iteration++)
        {
            using var scope = TensorScope.Begin();
            int a = active.Count;
            var x = Tensor.Empty([a, .. inputs.Shape[1..]]);
            var xs = x.Span;
            for (int r = 0; r < a; r++) Iterate(clean, total, active[r], per, o, xs.Slice(r * per, per));
            x.RequireGrad();
            var z = model(x);
            if (z.Rank != 2 || z.Shape[0] != a) throw new InvalidDataException($"DeepFool: the model gave {Tensor.FormatShape(z.Shape)} for {a} inputs, expected [{a}, classes]");
            int c = z.Shape[1];
            var zs = z.ToArray();
            if (iteration == 0) StartCandidates(zs, c, o.Candidates, labels, candidates);
            var still = new List<int>();
            for (int r = 0; r < a; r++)
            {
                int s = active[r];
                current[s] = ArgMax(zs.AsSpan(r * c, c));
                if (current[s] == labels[s] && iteration < o.MaxIterations) still.Add(r);
            }
            if (still.Count == 0) break;

            int kCount = candidates[active[0]].Length;
            var bestRatio = new double[a];
            Array.Fill(bestRatio, double.PositiveInfinity);
            var bestW = new float[a * per];
            for (int j = 1; j < kCount; j++)
            {
                using var inner = TensorScope.Begin();
                var pick = Tensor.Zeros(a, c);
                var ps = pick.Span;
                foreach (int r in still)
                {
                    int s = active[r];
                    ps[r * c + candidates[s][j]] = 1f;
                    ps[r * c + labels[s]] -= 1f;
                }
                var w = Autograd.Grad(z, [x], pick)[0].Span;
                foreach (int r in still)
                {
                    int s = active[r];
                    double fk = zs[r * c + candidates[s][j]] - zs[r * c + labels[s]];
                    var wr = w.Slice(r * per, per);
                    double norm = Norm(wr);
                    if (norm == 0) continue;
                    double ratio = Math.Abs(fk) / norm;
                    if (ratio < bestRatio[r]) { bestRatio[r] = ratio; wr.CopyTo(bestW.AsSpan(r * per, per)); }
                }
            }
            var next = new List<int>();
            foreach (int r in still)
            {
                int s = active[r];
                iterations[s]++;
                if (double.IsPositiveInfinity(bestRatio[r])) continue; // flat in every direction: DeepFool cannot move it
                var wr = bestW.AsSpan(r * per, per);
                double norm = Norm(wr);
                float scale = (float)((bestRatio[r] + 1e-4) / norm);
                var t = total.AsSpan(s * per, per);
                for (int i = 0; i < per; i++) t[i] += scale * wr[i];
                next.Add(s);
            }
            active = next;
        }

        var adversarial = Tensor.Persistent(inputs.Shape);
        var perturbation = Tensor.Persistent(inputs.Shape);
        var adv = adversarial.Span; var pert = perturbation.Span;
        for (int s = 0; s < n; s++)
        {
            Iterate(clean, total, s, per, o, adv.Slice(s * per, per));
            for (int i = s * per; i < (s + 1) * per; i++) pert[i] = adv[i] - clean[i];
        }
        return new DeepFoolResult(adversarial, perturbation, labels, current, iterations);
    }

    /// <summary>x + (1 + overshoot) Σ r_t, clipped.</summary>
    static void Iterate(float[] clean, float[] total, int sample, int per, DeepFoolOptions o, Span<float> into)
    {
        float grow = 1f + o.Overshoot;
        for (int i = 0; i < per; i++)
            into[i] = Math.Clamp(clean[sample * per + i] + grow * total[sample * per + i], o.ClipMin, o.ClipMax);
    }

    /// <summary>Each sample's clean label and its candidates: the top classes of the clean logits, best first.</summary>
    static void StartCandidates(float[] z, int classes, int wanted, int[] labels, int[][] candidates)
    {
        int k = Math.Min(wanted, classes);
        for (int s = 0; s < labels.Length; s++)
        {
            var row = z.AsSpan(s * classes, classes).ToArray();
            var order = Enumerable.Range(0, classes).ToArray();
            Array.Sort(order, (p, q) => { int cmp = row[q].CompareTo(row[p]); return cmp != 0 ? cmp : p.CompareTo(q); });
            candidates[s] = order[..k];
            labels[s] = order[0];
        }
    }

    static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    static double Norm(ReadOnlySpan<float> v)
    {
        double s = 0;
        foreach (float x in v) s += (double)x * x;
        return Math.Sqrt(s);
    }
}
