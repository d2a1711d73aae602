using Lineage.Engine;

namespace Lineage.Fingerprints.Cae;

/// <summary>
/// C-BIM's loss for a batch of candidates, summed over examples (each example's gradient is its own):
///   α·(−log M_E(x)[t]) − β·H(p_M(x₀), p_M(x)) + γ·H(p_M(x), Surr_S(x))
/// The first term is the paper's L_E = −M_E(x)·t (Eq. 14) through a log: log is increasing, so with β = γ = 0
/// its sign gradient, and with it every BIM step, is Eq. 14's; the log puts it on the cross-entropy scale of the
/// other two terms, as the public re-implementations do. The β term moves the source's prediction away from
/// its prediction on the clean image x₀, the γ term keeps it close to the surrogates' mean (both from the
/// re-implementations; ALGORITHMS.md).
/// </summary>
public static class CaeLoss
{
    const float Floor = 1e-7f;

    /// <summary>The target t of each example: the class other than its original label with the largest
    /// ensemble score M_E(x) (no member dropped). CAE leaves t free ("untargeted attacks ... on the premise that we
    /// measure targeted transferability", §4.2); the class the ensemble finds most conferrable is the one to push.</summary>
    public static int[] Targets(float[] scores, int classes, int[] original)
    {
        var t = new int[original.Length];
        for (int i = 0; i < t.Length; i++)
        {
            int best = -1;
            for (int c = 0; c < classes; c++)
                if (c != original[i] && (best < 0 || scores[i * classes + c] > scores[i * classes + best])) best = c;
            t[i] = best;
        }
        return t;
    }

    /// <param name="output">The ensemble on the current iterate (with dropout).</param>
    /// <param name="targets">t per example.</param>
    /// <param name="cleanProbabilities">The source's softmax on the clean images x₀, [n, classes], no graph.</param>
    public static Tensor Compute(CaeEnsembleOutput output, int[] targets, Tensor cleanProbabilities, CaeOptions options)
    {
        int n = targets.Length, classes = output.Classes;
        var oneHot = Tensor.Zeros(n, classes);
        var d = oneHot.Span;
        for (int i = 0; i < n; i++) d[i * classes + targets[i]] = 1f;
        Tensor? loss = null;
        if (options.Alpha > 0)
        {
            var ensemble = (output.Output * oneHot).Sum(1).Clamp(Floor, 1f).Log().Sum();
            loss = ensemble * -options.Alpha;
        }
        if (options.Beta > 0)
        {
            // −H(p₀, p) = Σ p₀ log p: descending it raises the cross-entropy to the clean prediction
            var away = (cleanProbabilities * Functional.LogSoftmax(output.SourceLogits, 1)).Sum() * options.Beta;
            loss = loss == null ? away : loss + away;
        }
        if (options.Gamma > 0)
        {
            var close = (output.SourceProbabilities * output.SurrogateMean.Clamp(Floor, 1f).Log()).Sum() * -options.Gamma;
            loss = loss == null ? close : loss + close;
        }
        return loss!;
    }
}
