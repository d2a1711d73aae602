using Lineage.Statistics;

namespace Lineage.Fingerprints.Uap;

/// <summary>The owner images a UAP fingerprint queries, as indices into the owner's data.</summary>
/// <param name="Points">N points, one per k-means cluster: the member closest to its centroid.</param>
/// <param name="Views">Views[j][i] is the image that stands for point i in view j: view 0 is the point itself,
/// view j its j-th nearest neighbour.</param>
/// <param name="Clusters">The k-means clustering the points come from.</param>
public sealed record UapPoints(int[] Points, int[][] Views, KMeansResult Clusters)
{
    /// <summary>
    /// UAP §4.2: k-means with K = N over the source's last-layer representation (its logits) of the owner data, one
    /// point per cluster, the member closest to the centroid. §4.3 "multi-views fingerprints augmentation": each
    /// point's nearest neighbours in the same space give the other views, view j taking the j-th neighbour of every
    /// point. Neighbours are sought among all owner images (our choice; the paper samples within the cluster, where
    /// the nearest neighbours almost always lie), distinct for each point.
    /// </summary>
    /// <param name="representation">n × d values (the source's logits of the owner images).</param>
    public static UapPoints Select(float[] representation, int n, int dimensions, int points, int views, int seed, int restarts = 4)
    {
        if (points < 1 || points > n) throw new ArgumentException($"UAP wants {points} points; the owner data has {n} images");
        if (views < 1 || views > n) throw new ArgumentException($"UAP wants {views} views (each a distinct neighbour of a point); the owner data has {n} images");
        var clusters = KMeans.Fit(representation, n, dimensions, points, seed, restarts);
        var chosen = new int[points];
        var best = new double[points];
        Array.Fill(chosen, -1);
        Array.Fill(best, double.PositiveInfinity);
        for (int i = 0; i < n; i++)
        {
            int c = clusters.Assignments[i];
            double d = KMeans.Distance(representation, i, clusters.Centroids, c, dimensions);
            if (d < best[c]) { best[c] = d; chosen[c] = i; }
        }
        var result = new int[views][];
        for (int j = 0; j < views; j++) result[j] = new int[points];
        var nearest = new int[views];
        var nearestDistance = new double[views];
        for (int p = 0; p < points; p++)
        {
            // The `views` nearest images by (distance, index), kept sorted by insertion; the point itself comes
            // first even when other images share its representation.
            int center = chosen[p], kept = 0;
            for (int i = 0; i < n; i++)
            {
                double s = i == center ? double.NegativeInfinity : 0;
                if (i != center)
                    for (int k = 0; k < dimensions; k++) { double t = representation[i * dimensions + k] - representation[center * dimensions + k]; s += t * t; }
                if (kept == views && s >= nearestDistance[views - 1]) continue;
                int at = kept < views ? kept++ : views - 1;
                while (at > 0 && nearestDistance[at - 1] > s) { nearest[at] = nearest[at - 1]; nearestDistance[at] = nearestDistance[at - 1]; at--; }
                nearest[at] = i; nearestDistance[at] = s;
            }
            for (int j = 0; j < views; j++) result[j][p] = nearest[j];
        }
        return new UapPoints(chosen, result, clusters);
    }
}
