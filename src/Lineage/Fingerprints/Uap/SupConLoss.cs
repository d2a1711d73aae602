using Lineage.Engine;

namespace Lineage.Fingerprints.Uap;

/// <summary>
/// Supervised contrastive loss (Khosla et al. 2020, Eq. 2, L^sup_out; UAP Eq. 7), built from autograd ops:
///   L = (1/|I'|) Σ_{i∈I'} −1/|P(i)| Σ_{p∈P(i)} log( exp(z_i·z_p/τ) / Σ_{a≠i} exp(z_i·z_a/τ) ),
/// z the L2-normalised features, P(i) the other samples with i's label, I' the anchors with at least one positive.
/// The mean over anchors is the reference code's; its extra factor τ/0.07 (base temperature) only rescales the
/// gradient and is left out.
/// </summary>
public static class SupConLoss
{
    /// <param name="features">[B, d], not necessarily normalised.</param>
    /// <param name="labels">B labels; samples with the same label are positives of each other.</param>
    /// <param name="temperature">τ.</param>
    public static Tensor Compute(Tensor features, int[] labels, float temperature)
    {
        if (features.Rank != 2) throw new ArgumentException($"SupCon wants features [B, d], got {Tensor.FormatShape(features.Shape)}");
        int b = features.Shape[0];
        if (labels.Length != b) throw new ArgumentException($"SupCon got {labels.Length} labels for {b} features");
        if (!(temperature > 0) || !float.IsFinite(temperature)) throw new ArgumentException($"SupCon temperature must be a finite value > 0, got {temperature}");
        var positives = new int[b];
        for (int i = 0; i < b; i++)
            for (int p = 0; p < b; p++)
                if (p != i && labels[p] == labels[i]) positives[i]++;
        int anchors = positives.Count(c => c > 0);
        if (anchors == 0) throw new ArgumentException("SupCon needs at least two samples with the same label");

        var z = Normalize(features);
        var similarity = Functional.MatMul(z, z.T) / temperature;
        // Excludes a = i from the denominator: a large negative on the diagonal vanishes under exp.
        var self = Tensor.Zeros(b, b);
        var weights = Tensor.Zeros(b, b);
        var ss = self.Span; var ws = weights.Span;
        for (int i = 0; i < b; i++)
        {
            ss[i * b + i] = -1e9f;
            if (positives[i] == 0) continue;
            float w = 1f / (positives[i] * anchors);
            for (int p = 0; p < b; p++) if (p != i && labels[p] == labels[i]) ws[i * b + p] = w;
        }
        var logProb = Functional.LogSoftmax(similarity + self, 1);
        return -(logProb * weights).Sum();
    }

    /// <summary>Rows scaled to unit L2 norm (ε keeps a zero row finite), differentiably.</summary>
    public static Tensor Normalize(Tensor x) => x / (x.Square().Sum(1, keepDim: true) + 1e-12f).Sqrt();
}
