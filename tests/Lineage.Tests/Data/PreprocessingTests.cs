using Lineage.Data;
using Lineage.Engine;

namespace Lineage.Tests.Data;

public class PreprocessingTests
{
    [Fact]
    public void JsonRoundTrip()
    {
        var p = Preprocessing.Cifar10;
        var json = p.ToJson();
        Assert.Contains("\"mean\"", json);
        Assert.Equal(p, Preprocessing.FromJson(json));
        Assert.NotEqual(Preprocessing.Cifar100, Preprocessing.FromJson(json));
    }

    [Fact]
    public void ApplyNormalisesPerChannelAndInvertUndoesIt()
    {
        var p = new Preprocessing([0.5f, 0.25f], [0.5f, 0.25f], [2, 1, 2]);
        var batch = Tensor.FromArray([1f, 0f, 0.5f, 0.75f], 1, 2, 1, 2);
        var normalised = p.Apply(batch);
        Assert.Equal(new[] { 1f, -1f, 1f, 2f }, normalised.ToArray());
        Assert.Equal(batch.ToArray(), p.Invert(normalised).ToArray());
    }

    [Fact]
    public void DeclaredStatisticsAreThePublishedOnes()
    {
        Assert.Equal([0.2860f], Preprocessing.FashionMnist.Mean);
        Assert.Equal([0.3530f], Preprocessing.FashionMnist.Std);
        Assert.Equal([0.1307f], Preprocessing.Mnist.Mean);
        Assert.Equal([0.4914f, 0.4822f, 0.4465f], Preprocessing.Cifar10.Mean);
        Assert.Equal([0.2673f, 0.2564f, 0.2762f], Preprocessing.Cifar100.Std);
    }

    [Fact]
    public void WrongBatchShapeAndBadDeclarationsFail()
    {
        Assert.Throws<ArgumentException>(() => Preprocessing.Mnist.Apply(Tensor.Zeros(2, 3, 28, 28)));
        Assert.Throws<ArgumentException>(() => new Preprocessing([0f, 0f], [1f], [2, 4, 4]));
        Assert.Throws<ArgumentException>(() => new Preprocessing([0f], [0f], [1, 4, 4]));
    }
}
