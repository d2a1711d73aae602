using Lineage.Fingerprints.Uap;
using Lineage.Suspects;

namespace Lineage.Tests.Fingerprints;

public class UapReadingTests
{
    static readonly float[] Logits = [2f, 0.5f, 1f, -1f];

    static float[] Read(UapReading reading, SuspectOutput answers)
    {
        var into = new float[answers.Classes];
        reading.Read(answers, 0, into);
        return into;
    }

    [Fact]
    public void ProbabilitiesAreTheSoftmax()
    {
        var p = OutputReduction.Softmax(Logits, 1, 4);
        var read = Read(UapReading.Probabilities, SuspectOutput.FromLogits(Logits, 1, 4));
        for (int i = 0; i < 4; i++) Assert.Equal(p[i], read[i], 6);
    }

    [Fact]
    public void TopKKeepsTheLargestRenormalisedAndReadsAlikeFromFullAndTopKAnswers()
    {
        var full = SuspectOutput.FromLogits(Logits, 1, 4);
        var p = OutputReduction.Softmax(Logits, 1, 4);
        var fromFull = Read(new UapReading(2), full);
        double kept = p[0] + p[2];
        Assert.Equal(p[0] / kept, fromFull[0], 6);
        Assert.Equal(p[2] / kept, fromFull[2], 6);
        Assert.Equal(0f, fromFull[1]); Assert.Equal(0f, fromFull[3]);
        // A suspect revealing its top 3 is read the same way for top-2.
        var fromTop3 = Read(new UapReading(2), OutputReduction.Reveal(full, OutputMode.TopK, 3));
        Assert.Equal(fromFull, fromTop3);
    }

    [Fact]
    public void LabelIsOneHotFromAnyAnswer()
    {
        var full = SuspectOutput.FromLogits(Logits, 1, 4);
        float[] oneHot = [1f, 0f, 0f, 0f];
        Assert.Equal(oneHot, Read(new UapReading(1), full));
        Assert.Equal(oneHot, Read(new UapReading(1), OutputReduction.Reveal(full, OutputMode.Label)));
        Assert.Equal(oneHot, Read(new UapReading(1), OutputReduction.Reveal(full, OutputMode.TopK, 1)));
    }

    [Fact]
    public void PicksTheRichestReadingAnAnswerAllows()
    {
        UapReading[] available = [UapReading.Probabilities, new(3), new(2), new(1)];
        Assert.Equal(UapReading.Probabilities, UapReading.For(OutputMode.Logits, 0, 10, available));
        Assert.Equal(new UapReading(3), UapReading.For(OutputMode.TopK, 7, 10, available));
        Assert.Equal(new UapReading(2), UapReading.For(OutputMode.TopK, 2, 10, available));
        Assert.Equal(new UapReading(1), UapReading.For(OutputMode.Label, 1, 10, available));
        Assert.Null(UapReading.For(OutputMode.Label, 1, 10, [UapReading.Probabilities]));
        Assert.Throws<ArgumentException>(() => Read(UapReading.Probabilities, OutputReduction.Reveal(SuspectOutput.FromLogits(Logits, 1, 4), OutputMode.TopK, 2)));
        foreach (var r in available) Assert.Equal(r, UapReading.Parse(r.Name));
    }
}
