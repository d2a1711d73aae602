namespace Lineage.Statistics;

/// <summary>
/// The Fréchet distance between two Gaussians fitted to feature sets (Heusel et al., 2017, the "FID" when the
/// features are Inception's): ‖μ₁ − μ₂‖² + tr(Σ₁) + tr(Σ₂) − 2 tr((Σ₁Σ₂)^½). The trace of the square root is
/// Σ √λᵢ over the eigenvalues of Σ₁^½ Σ₂ Σ₁^½, which is symmetric and positive semi-definite, so two symmetric
/// eigen-decompositions give it without a general matrix square root.
/// </summary>
public static class FrechetDistance
{
    /// <param name="a">n₁ feature vectors of length d, row-major.</param>
    /// <param name="b">n₂ feature vectors of length d, row-major.</param>
    public static double Between(float[] a, float[] b, int dim)
    {
        var (ma, ca) = MeanCovariance(a, dim, nameof(a));
        var (mb, cb) = MeanCovariance(b, dim, nameof(b));
        double meanTerm = 0;
        for (int i = 0; i < dim; i++) meanTerm += (ma[i] - mb[i]) * (ma[i] - mb[i]);
        double traceA = 0, traceB = 0;
        for (int i = 0; i < dim; i++) { traceA += ca[i, i]; traceB += cb[i, i]; }
        var rootA = SquareRoot(ca);
        var m = Multiply(Multiply(rootA, cb), rootA);
        Symmetrise(m);
        var (values, _) = SymmetricEigen.Decompose(m);
        double traceRoot = values.Sum(v => Math.Sqrt(Math.Max(v, 0)));
        return Math.Max(0, meanTerm + traceA + traceB - 2 * traceRoot);
    }

    public static (double[] Mean, double[,] Covariance) MeanCovariance(float[] x, int dim, string name = "features")
    {
        if (dim < 1 || x.Length % dim != 0) throw new ArgumentException($"{name}: {x.Length} values are not rows of {dim}");
        int n = x.Length / dim;
        if (n < 2) throw new ArgumentException($"{name}: a covariance needs at least 2 feature vectors, got {n}");
        var mean = new double[dim];
        for (int r = 0; r < n; r++) for (int i = 0; i < dim; i++) mean[i] += x[r * dim + i];
        for (int i = 0; i < dim; i++) mean[i] /= n;
        var cov = new double[dim, dim];
        var centred = new double[dim];
        for (int r = 0; r < n; r++)
        {
            for (int i = 0; i < dim; i++) centred[i] = x[r * dim + i] - mean[i];
            for (int i = 0; i < dim; i++)
            {
                double ci = centred[i];
                if (ci == 0) continue;
                for (int j = i; j < dim; j++) cov[i, j] += ci * centred[j];
            }
        }
        for (int i = 0; i < dim; i++)
            for (int j = i; j < dim; j++) { cov[i, j] /= n - 1; cov[j, i] = cov[i, j]; }
        return (mean, cov);
    }

    /// <summary>The symmetric PSD square root Q diag(√max(λ, 0)) Qᵀ.</summary>
    static double[,] SquareRoot(double[,] c)
    {
        var (values, q) = SymmetricEigen.Decompose(c);
        int n = values.Length;
        var r = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < n; k++) s += q[i, k] * Math.Sqrt(Math.Max(values[k], 0)) * q[j, k];
                r[i, j] = s;
            }
        return r;
    }

    static double[,] Multiply(double[,] x, double[,] y)
    {
        int n = x.GetLength(0), m = y.GetLength(1), k = x.GetLength(1);
        var r = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int t = 0; t < k; t++)
            {
                double xi = x[i, t];
                if (xi == 0) continue;
                for (int j = 0; j < m; j++) r[i, j] += xi * y[t, j];
            }
        return r;
    }

    static void Symmetrise(double[,] m)
    {
        int n = m.GetLength(0);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) { double s = (m[i, j] + m[j, i]) / 2; m[i, j] = s; m[j, i] = s; }
    }
}
