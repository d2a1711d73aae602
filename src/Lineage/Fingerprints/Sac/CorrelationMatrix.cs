namespace Lineage.Fingerprints.Sac;

/// <summary>
/// SAC's model-specific n×n matrix C = Φ(O) over the outputs of n samples (SAC Eq. 1):
/// cosine similarity (Eq. 2) or Gaussian RBF (Eq. 3). Outputs are rows of a row-major [n, classes] array.
/// </summary>
public sealed class CorrelationMatrix
{
    public int Count { get; }
    /// <summary>Row-major n×n values.</summary>
    public double[] Values { get; }

    CorrelationMatrix(int n, double[] values) { Count = n; Values = values; }

    public double this[int i, int j] => Values[i * Count + j];

    /// <param name="outputs">Row-major [n, classes] outputs (logits, probabilities or smoothed labels).</param>
    /// <param name="rbfSigmaSquared">δ² of Eq. 3 (0.5 in the authors' code).</param>
    public static CorrelationMatrix Compute(ReadOnlySpan<float> outputs, int n, int classes, CorrelationKind kind, double rbfSigmaSquared = 0.5)
    {
        if (n <= 0 || classes <= 0) throw new ArgumentException($"correlation needs at least one sample and one class, got n={n}, classes={classes}");
        if (outputs.Length != n * classes) throw new ArgumentException($"outputs hold {outputs.Length} values, expected n×classes = {n}×{classes}");
        if (kind == CorrelationKind.Rbf && !(rbfSigmaSquared > 0)) throw new ArgumentException($"RBF δ² must be positive, got {rbfSigmaSquared}");
        // Both kinds work on unit rows: cosine is then a dot product, and the authors' RBF normalises first.
        var unit = new double[n * classes];
        for (int i = 0; i < n; i++)
        {
            double norm = 0;
            for (int c = 0; c < classes; c++)
            {
                double v = outputs[i * classes + c];
                if (!double.IsFinite(v)) throw new ArgumentException($"output of sample {i} has a non-finite value ({v}) at class {c}");
                norm += v * v;
            }
            norm = Math.Sqrt(norm);
            // a zero output vector has no direction; it correlates 0 with everything (as 0/0 → 0 would)
            double inv = norm > 0 ? 1 / norm : 0;
            for (int c = 0; c < classes; c++) unit[i * classes + c] = outputs[i * classes + c] * inv;
        }
        var m = new double[n * n];
        System.Threading.Tasks.Parallel.For(0, n, i =>
        {
            for (int j = i; j < n; j++)
            {
                double dot = 0;
                for (int c = 0; c < classes; c++) dot += unit[i * classes + c] * unit[j * classes + c];
                double v = kind == CorrelationKind.Cosine
                    ? dot
                    : Math.Exp(-SquaredDistanceOfUnitRows(unit, i, j, classes) / (2 * rbfSigmaSquared));
                m[i * n + j] = v;
                m[j * n + i] = v;
            }
        });
        return new CorrelationMatrix(n, m);
    }

    static double SquaredDistanceOfUnitRows(double[] unit, int i, int j, int classes)
    {
        double s = 0;
        for (int c = 0; c < classes; c++)
        {
            double d = unit[i * classes + c] - unit[j * classes + c];
            s += d * d;
        }
        return s;
    }

    /// <summary>SAC Eq. 4: ‖C_a − C_b‖₁ / n². Zero for identical matrices; smaller means more likely stolen.</summary>
    public static double Distance(CorrelationMatrix a, CorrelationMatrix b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"correlation matrices over different sample counts ({a.Count} vs {b.Count})");
        double s = 0;
        for (int k = 0; k < a.Values.Length; k++) s += Math.Abs(a.Values[k] - b.Values[k]);
        return s / ((double)a.Count * a.Count);
    }
}
