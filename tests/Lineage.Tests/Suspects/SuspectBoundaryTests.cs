using Lineage.Engine;
using Lineage.Suspects;

namespace Lineage.Tests.Suspects;

public class SuspectBoundaryTests
{
    // a linear "model" over 4-pixel images: logits = x · W
    static readonly float[] W = [1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 1f, 1f, 1f, 1f];
    static Tensor LogitsOf(Tensor x) => Functional.MatMul(x.Reshape(x.Shape[0], -1), Tensor.FromArray(W, 4, 3));
    static Tensor Images(int n) => Tensor.Uniform(new Generator(n), 0f, 1f, n, 1, 2, 2);

    [Fact]
    public void ModesRevealOnlyWhatTheyShould()
    {
        var x = Images(10);
        var logits = new ModelSuspect("m", LogitsOf, 3).Query(x);
        var probs = new ModelSuspect("m", LogitsOf, 3, OutputMode.Probabilities).Query(x);
        var top2 = new ModelSuspect("m", LogitsOf, 3, OutputMode.TopK, topK: 2).Query(x);
        var label = new ModelSuspect("m", LogitsOf, 3, OutputMode.Label).Query(x);
        Assert.Equal(logits.Labels, probs.Labels);
        Assert.Equal(logits.Labels, top2.Labels);
        Assert.Equal(logits.Labels, label.Labels);
        Assert.Null(label.Values);
        for (int r = 0; r < 10; r++)
        {
            Assert.Equal(1.0, probs.Values!.Skip(r * 3).Take(3).Sum(v => (double)v), 5);
            Assert.Equal(1, top2.Values!.Skip(r * 3).Take(3).Count(v => v == 0f));
        }
        var expected = LogitsOf(x).ToArray();
        Assert.Equal(expected, logits.Values);
    }

    [Fact]
    public void BatchingDoesNotChangeAnswers()
    {
        var x = Images(37);
        var a = new ModelSuspect("m", LogitsOf, 3, batchSize: 5).Query(x);
        var b = new ModelSuspect("m", LogitsOf, 3, batchSize: 100).Query(x);
        Assert.Equal(a.Values, b.Values);
    }

    [Fact]
    public void BudgetIsNeverExceeded()
    {
        var metered = new MeteredSuspect(new ModelSuspect("m", LogitsOf, 3), budget: 25);
        metered.Query(Images(10));
        metered.Query(Images(15));
        Assert.Equal(25, metered.QueriesSpent);
        var ex = Assert.Throws<QueryBudgetExceededException>(() => metered.Query(Images(1)));
        Assert.Equal(25, metered.QueriesSpent);
        Assert.Contains("25 of 25", ex.Message);
    }

    [Fact]
    public void HostileAnswersAreRejected()
    {
        Assert.Throws<InvalidDataException>(() => SuspectOutput.FromLogits([1f, float.NaN], 1, 2));
        Assert.Throws<InvalidDataException>(() => SuspectOutput.FromLabels([0, 5], 3));
        Assert.Throws<ArgumentException>(() => SuspectOutput.FromProbabilities([1f, 0f, 0f], 1, 2));
        var wrongShape = new ModelSuspect("bad", x => Tensor.Zeros(x.Shape[0], 4), 3);
        Assert.Contains("expected", Assert.Throws<InvalidDataException>(() => wrongShape.Query(Images(2))).Message);
    }

    [Fact]
    public void CannotRevealMoreThanWasGiven()
    {
        var label = SuspectOutput.FromLabels([1, 2], 3);
        Assert.Throws<ArgumentException>(() => OutputReduction.Reveal(label, OutputMode.Probabilities));
    }

    [Fact]
    public void ConcatAndRows()
    {
        var a = SuspectOutput.FromLogits([1f, 2f, 3f, 0f], 2, 2);
        var b = SuspectOutput.FromLogits([5f, 1f], 1, 2);
        var c = SuspectOutput.Concat([a, b]);
        Assert.Equal([1, 0, 0], c.Labels);
        Assert.Equal([5f, 1f, 1f, 2f], c.Rows([2, 0]).Values!);
    }
}
