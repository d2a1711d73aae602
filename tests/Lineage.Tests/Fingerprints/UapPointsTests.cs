using Lineage.Engine;
using Lineage.Fingerprints.Uap;

namespace Lineage.Tests.Fingerprints;

public class UapPointsTests
{
    [Fact]
    public void OnePointPerClusterClosestToItsCentroidAndViewsAreTheNearestNeighbours()
    {
        // Three tight groups on a line: 0..9 near 0, 10..19 near 100, 20..29 near 200.
        var gen = new Generator(1);
        var x = Enumerable.Range(0, 30).Select(i => (float)(100 * (i / 10) + gen.NextNormal())).ToArray();
        var points = UapPoints.Select(x, 30, 1, points: 3, views: 4, seed: 2);
        Assert.Equal(3, points.Points.Select(p => p / 10).Distinct().Count());
        for (int c = 0; c < 3; c++)
        {
            int p = points.Points[c];
            var members = Enumerable.Range(0, 30).Where(i => points.Clusters.Assignments[i] == c).ToList();
            double centroid = points.Clusters.Centroid(c)[0];
            Assert.Equal(members.MinBy(i => Math.Abs(x[i] - centroid)), p);
            Assert.Equal(p, points.Views[0][c]);
            var expected = Enumerable.Range(0, 30).Where(i => i != p).OrderBy(i => Math.Abs(x[i] - x[p])).ThenBy(i => i).Take(3).ToArray();
            Assert.Equal(expected, Enumerable.Range(1, 3).Select(j => points.Views[j][c]).ToArray());
        }
    }

    [Fact]
    public void RejectsMorePointsOrViewsThanImages()
    {
        Assert.Throws<ArgumentException>(() => UapPoints.Select(new float[5], 5, 1, points: 6, views: 2, seed: 1));
        Assert.Throws<ArgumentException>(() => UapPoints.Select(new float[5], 5, 1, points: 2, views: 6, seed: 1));
    }
}
