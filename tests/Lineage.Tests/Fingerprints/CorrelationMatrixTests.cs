using Lineage.Fingerprints.Sac;

namespace Lineage.Tests.Fingerprints;

public class CorrelationMatrixTests
{
    [Fact]
    public void CosineOfHandPickedVectors()
    {
        // o1 = (1,0), o2 = (0,2), o3 = (1,1): cos(o1,o2) = 0, cos(o1,o3) = cos(o2,o3) = 1/√2
        var c = CorrelationMatrix.Compute([1f, 0f, 0f, 2f, 1f, 1f], 3, 2, CorrelationKind.Cosine);
        Assert.Equal(1.0, c[0, 0], 12);
        Assert.Equal(0.0, c[0, 1], 12);
        Assert.Equal(1 / Math.Sqrt(2), c[0, 2], 6);
        Assert.Equal(c[2, 1], c[1, 2]);
    }

    [Fact]
    public void RbfOfHandPickedVectors()
    {
        // unit rows (1,0) and (0,1): squared distance 2, so exp(-2 / (2·0.5)) = e^-2
        var c = CorrelationMatrix.Compute([3f, 0f, 0f, 5f], 2, 2, CorrelationKind.Rbf, rbfSigmaSquared: 0.5);
        Assert.Equal(1.0, c[0, 0], 12);
        Assert.Equal(Math.Exp(-2), c[0, 1], 6);
    }

    [Fact]
    public void DistanceIsZeroToItselfSymmetricAndHandComputed()
    {
        var a = CorrelationMatrix.Compute([1f, 0f, 0f, 1f], 2, 2, CorrelationKind.Cosine);   // [[1,0],[0,1]]
        var b = CorrelationMatrix.Compute([1f, 0f, 1f, 1f], 2, 2, CorrelationKind.Cosine);   // [[1,s],[s,1]], s = 1/√2
        Assert.Equal(0.0, CorrelationMatrix.Distance(a, a));
        Assert.Equal(CorrelationMatrix.Distance(a, b), CorrelationMatrix.Distance(b, a));
        Assert.Equal(2 * (1 / Math.Sqrt(2)) / 4, CorrelationMatrix.Distance(a, b), 6);
    }

    [Fact]
    public void ScaleOfOutputsDoesNotMatter()
    {
        var a = CorrelationMatrix.Compute([1f, 2f, 3f, -1f, 0.5f, 2f], 2, 3, CorrelationKind.Cosine);
        var b = CorrelationMatrix.Compute([10f, 20f, 30f, -10f, 5f, 20f], 2, 3, CorrelationKind.Cosine);
        Assert.Equal(0.0, CorrelationMatrix.Distance(a, b), 6);
    }

    [Fact]
    public void BadInputIsRejected()
    {
        Assert.Throws<ArgumentException>(() => CorrelationMatrix.Compute([1f, 2f, 3f], 2, 2, CorrelationKind.Cosine));
        Assert.Throws<ArgumentException>(() => CorrelationMatrix.Compute([1f, float.NaN, 3f, 4f], 2, 2, CorrelationKind.Cosine));
        var a = CorrelationMatrix.Compute([1f, 0f], 1, 2, CorrelationKind.Cosine);
        var b = CorrelationMatrix.Compute([1f, 0f, 0f, 1f], 2, 2, CorrelationKind.Cosine);
        Assert.Throws<ArgumentException>(() => CorrelationMatrix.Distance(a, b));
    }

    [Fact]
    public void SmoothLabelsMatchTheAuthorsCodeForTenClasses()
    {
        var p = SmoothLabels.FromLabels([3], 10);
        Assert.Equal(0.2302, p[3], 3);
        Assert.Equal(0.0855, p[0], 3);
        Assert.Equal(1.0, p.Sum(v => (double)v), 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => SmoothLabels.FromLabels([10], 10));
    }

    [Fact]
    public void SmoothLabelsCorrelateByAgreement()
    {
        var p = SmoothLabels.FromLabels([1, 1, 2], 4, epsilon: 0.5);
        var c = CorrelationMatrix.Compute(p, 3, 4, CorrelationKind.Cosine);
        Assert.Equal(1.0, c[0, 1], 6);
        Assert.True(c[0, 2] < 1.0);
    }
}
