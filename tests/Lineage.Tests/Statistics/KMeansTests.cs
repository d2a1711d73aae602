using Lineage.Engine;
using Lineage.Statistics;

namespace Lineage.Tests.Statistics;

public class KMeansTests
{
    static (float[] Points, int[] Truth, float[][] Centres) Blobs(int perBlob, int seed)
    {
        float[][] centres = [[0f, 0f], [10f, 0f], [0f, 10f], [10f, 10f]];
        var gen = new Generator(seed);
        var points = new List<float>(); var truth = new List<int>();
        for (int c = 0; c < centres.Length; c++)
            for (int i = 0; i < perBlob; i++)
            {
                points.Add(centres[c][0] + (float)gen.NextNormal() * 0.5f);
                points.Add(centres[c][1] + (float)gen.NextNormal() * 0.5f);
                truth.Add(c);
            }
        return (points.ToArray(), truth.ToArray(), centres);
    }

    [Fact]
    public void RecoversWellSeparatedClusters()
    {
        var (x, truth, centres) = Blobs(50, 1);
        var result = KMeans.Fit(x, truth.Length, 2, 4, seed: 3);
        // Each found cluster holds exactly one true blob, and its centroid sits near that blob's centre.
        for (int c = 0; c < 4; c++)
        {
            var members = Enumerable.Range(0, truth.Length).Where(i => result.Assignments[i] == c).ToList();
            Assert.Equal(50, members.Count);
            int blob = truth[members[0]];
            Assert.All(members, i => Assert.Equal(blob, truth[i]));
            Assert.InRange(result.Centroid(c)[0], centres[blob][0] - 0.3, centres[blob][0] + 0.3);
            Assert.InRange(result.Centroid(c)[1], centres[blob][1] - 0.3, centres[blob][1] + 0.3);
        }
        double inertia = 0;
        for (int i = 0; i < truth.Length; i++) inertia += KMeansDistance(x, i, result);
        Assert.Equal(inertia, result.Inertia, 6);
    }

    static double KMeansDistance(float[] x, int i, KMeansResult r)
    {
        var c = r.Centroid(r.Assignments[i]);
        return Math.Pow(x[2 * i] - c[0], 2) + Math.Pow(x[2 * i + 1] - c[1], 2);
    }

    [Fact]
    public void IsSeededAndGivesKClustersEvenWithDuplicates()
    {
        var (x, truth, _) = Blobs(20, 2);
        var a = KMeans.Fit(x, truth.Length, 2, 6, seed: 5);
        var b = KMeans.Fit(x, truth.Length, 2, 6, seed: 5);
        Assert.Equal(a.Assignments, b.Assignments);
        float[] same = [1f, 1f, 1f, 1f, 1f, 1f, 2f, 2f];
        var dup = KMeans.Fit(same, 4, 2, 4, seed: 1);
        Assert.Equal(4, dup.Centroids.Length / 2);
        Assert.All(dup.Assignments, c => Assert.InRange(c, 0, 3));
        Assert.Equal(0, dup.Inertia, 9);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void RejectsKOutsideOneToN(int k) =>
        Assert.Throws<ArgumentException>(() => KMeans.Fit([0f, 1f, 2f, 3f], 4, 1, k, seed: 1));
}
