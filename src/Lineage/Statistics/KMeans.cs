using Lineage.Engine;

namespace Lineage.Statistics;

/// <summary>A k-means clustering.</summary>
/// <param name="Centroids">k × d, row-major.</param>
/// <param name="Assignments">Each point's cluster.</param>
/// <param name="Inertia">Σ over points of the squared distance to their centroid (the objective minimised).</param>
/// <param name="Iterations">Lloyd iterations of the restart that was kept.</param>
public sealed record KMeansResult(int K, int Dimensions, double[] Centroids, int[] Assignments, double Inertia, int Iterations)
{
    public ReadOnlySpan<double> Centroid(int cluster) => Centroids.AsSpan(cluster * Dimensions, Dimensions);
}

/// <summary>
/// k-means (Lloyd's algorithm) with k-means++ seeding (Arthur &amp; Vassilvitskii 2007), the best of a few seeded
/// restarts by inertia, as scikit-learn's KMeans does (n_init restarts, stop when no point changes cluster or the
/// centroids move less than <c>tolerance</c>). A cluster that empties is re-seeded with the point farthest from
/// its centroid, so exactly k clusters come back.
/// </summary>
public static class KMeans
{
    /// <param name="points">n × d, row-major.</param>
    public static KMeansResult Fit(float[] points, int n, int dimensions, int k, int seed, int restarts = 4, int maxIterations = 300, double tolerance = 1e-6)
    {
        if (n < 1 || dimensions < 1 || points.Length != n * dimensions) throw new ArgumentException($"k-means wants n × d values, got {points.Length} for n = {n}, d = {dimensions}");
        if (k < 1 || k > n) throw new ArgumentException($"k-means cannot make {k} clusters of {n} points (1 ≤ k ≤ n)");
        if (restarts < 1 || maxIterations < 1) throw new ArgumentException($"k-means needs at least 1 restart and 1 iteration, got {restarts} and {maxIterations}");
        foreach (float v in points) if (!float.IsFinite(v)) throw new ArgumentException("k-means points must be finite");
        var gen = new Generator(seed);
        KMeansResult? best = null;
        for (int r = 0; r < restarts; r++)
        {
            var run = Lloyd(points, n, dimensions, k, PlusPlus(points, n, dimensions, k, gen), maxIterations, tolerance);
            if (best == null || run.Inertia < best.Inertia) best = run;
        }
        return best!;
    }

    /// <summary>k-means++: the first centre uniformly, each next one with probability ∝ squared distance to the nearest centre so far.</summary>
    static double[] PlusPlus(float[] x, int n, int d, int k, Generator gen)
    {
        var centroids = new double[k * d];
        var nearest = new double[n];
        int first = gen.NextInt(n);
        Copy(x, first, d, centroids, 0);
        for (int i = 0; i < n; i++) nearest[i] = Distance(x, i, centroids, 0, d);
        for (int c = 1; c < k; c++)
        {
            double total = 0;
            foreach (double v in nearest) total += v;
            int pick;
            if (total <= 0) pick = gen.NextInt(n); // every point sits on a centre already: any choice is as good
            else
            {
                double u = gen.NextDouble() * total, acc = 0;
                pick = n - 1;
                for (int i = 0; i < n; i++) { acc += nearest[i]; if (acc > u) { pick = i; break; } }
            }
            Copy(x, pick, d, centroids, c);
            for (int i = 0; i < n; i++) nearest[i] = Math.Min(nearest[i], Distance(x, i, centroids, c, d));
        }
        return centroids;
    }

    static KMeansResult Lloyd(float[] x, int n, int d, int k, double[] centroids, int maxIterations, double tolerance)
    {
        var assign = new int[n];
        Array.Fill(assign, -1);
        var distance = new double[n];
        var sums = new double[k * d];
        var counts = new int[k];
        int iteration = 0;
        for (; iteration < maxIterations; iteration++)
        {
            bool changed = Assign(x, n, d, k, centroids, assign, distance);
            Array.Clear(sums); Array.Clear(counts);
            for (int i = 0; i < n; i++)
            {
                counts[assign[i]]++;
                for (int j = 0; j < d; j++) sums[assign[i] * d + j] += x[i * d + j];
            }
            double moved = 0;
            bool reseeded = false;
            for (int c = 0; c < k; c++)
            {
                if (counts[c] == 0) { ReseedEmpty(x, n, d, c, centroids, assign, distance); reseeded = true; continue; }
                for (int j = 0; j < d; j++)
                {
                    double m = sums[c * d + j] / counts[c];
                    double delta = m - centroids[c * d + j];
                    moved += delta * delta;
                    centroids[c * d + j] = m;
                }
            }
            if (!reseeded && (!changed || moved <= tolerance * tolerance)) { iteration++; break; }
        }
        Assign(x, n, d, k, centroids, assign, distance);
        double inertia = 0;
        foreach (double v in distance) inertia += v;
        return new KMeansResult(k, d, centroids, assign, inertia, iteration);
    }

    /// <summary>Each point to its nearest centroid (the lower index on ties); true when any assignment changed.</summary>
    static bool Assign(float[] x, int n, int d, int k, double[] centroids, int[] assign, double[] distance)
    {
        bool changed = false;
        for (int i = 0; i < n; i++)
        {
            int best = 0; double bestD = double.PositiveInfinity;
            for (int c = 0; c < k; c++)
            {
                double dist = Distance(x, i, centroids, c, d);
                if (dist < bestD) { bestD = dist; best = c; }
            }
            if (assign[i] != best) { assign[i] = best; changed = true; }
            distance[i] = bestD;
        }
        return changed;
    }

    /// <summary>Moves an empty cluster's centroid onto the point farthest from its own centroid.</summary>
    static void ReseedEmpty(float[] x, int n, int d, int cluster, double[] centroids, int[] assign, double[] distance)
    {
        int far = 0;
        for (int i = 1; i < n; i++) if (distance[i] > distance[far]) far = i;
        Copy(x, far, d, centroids, cluster);
        assign[far] = cluster;
        distance[far] = 0;
    }

    static void Copy(float[] x, int point, int d, double[] centroids, int cluster)
    {
        for (int j = 0; j < d; j++) centroids[cluster * d + j] = x[point * d + j];
    }

    /// <summary>Squared Euclidean distance between point i and centroid c.</summary>
    internal static double Distance(float[] x, int i, double[] centroids, int c, int d)
    {
        double s = 0;
        for (int j = 0; j < d; j++) { double t = x[i * d + j] - centroids[c * d + j]; s += t * t; }
        return s;
    }
}
