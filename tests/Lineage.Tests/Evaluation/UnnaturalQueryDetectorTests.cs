using Lineage.Data;
using Lineage.Engine;
using Lineage.Evaluation.Stealth;
using Lineage.Models;
using Lineage.Models.Training;

namespace Lineage.Tests.Evaluation;

public class UnnaturalQueryDetectorTests
{
    static readonly Dataset Thief = ShapesDataset.Generate(ShapesVariant.Gray28, 400, seed: 11);

    static ModelFile ThiefModel() => TrainingJob.Run(new DatasetPair(Thief, Thief, "generated"), DataPart.All, 1, "mlp", 0.25f,
        new TrainingOptions { Epochs = 1, BatchSize = 50, Seed = 3 }).Model;

    static UnnaturalQueryDetectorOptions Small => new() { CleanImages = 400, Epochs = 4, BatchSize = 50, Architecture = "cnn-c", Width = 0.25f, Seed = 5 };

    [Fact]
    public void TheDetectorFlagsNoisyImagesItNeverSawAndPassesCleanOnes()
    {
        var detector = UnnaturalQueryDetector.Train(Thief, ThiefModel(), Small);
        Assert.Equal(40, detector.HeldOut.Count);
        Assert.True(detector.HeldOut.NoisyFlagged > detector.HeldOut.CleanFlagged + 0.3,
            $"held out: {detector.HeldOut.NoisyFlagged:P0} of noisy images flagged against {detector.HeldOut.CleanFlagged:P0} of clean ones");

        // fresh images of the same distribution, clean and with strong noise
        var fresh = ShapesDataset.Generate(ShapesVariant.Gray28, 100, seed: 12).AsTensor().ClonePersistent();
        var gen = new Generator(9);
        var noisy = fresh.ClonePersistent();
        var d = noisy.Span;
        for (int i = 0; i < d.Length; i++) d[i] = Math.Clamp(d[i] + 0.15f * (float)gen.NextNormal(), 0f, 1f);
        double cleanRate = detector.DetectionRate(fresh), noisyRate = detector.DetectionRate(noisy);
        Assert.InRange(cleanRate, 0, 0.5);
        Assert.True(noisyRate > cleanRate + 0.3, $"fresh noisy images flagged {noisyRate:P0}, clean {cleanRate:P0}");
        Assert.Equal(100, detector.Flagged(fresh).Length);
    }

    [Fact]
    public void ImagesOfAnotherShapeAreRefusedNamingBothShapes()
    {
        var detector = UnnaturalQueryDetector.Train(Thief, ThiefModel(), Small with { CleanImages = 40, Epochs = 1 });
        var e = Assert.Throws<ArgumentException>(() => detector.DetectionRate(Tensor.Zeros(2, 3, 32, 32)));
        Assert.Contains("[1, 28, 28]", e.Message);
        Assert.Contains("[3, 32, 32]", e.Message);
    }

    [Theory]
    [InlineData(5, 0.02f, 0.2f, 0.03f, 1, 0.1, "at least 10 clean images")]
    [InlineData(100, 0.3f, 0.2f, 0.03f, 1, 0.1, "noise range")]
    [InlineData(100, 0.02f, 0.2f, 0f, 1, 0.1, "FGSM epsilon")]
    [InlineData(100, 0.02f, 0.2f, 0.03f, 0, 0.1, "epochs")]
    [InlineData(100, 0.02f, 0.2f, 0.03f, 1, 0.6, "held-out share")]
    public void BadSettingsAreRefusedNamingTheSetting(int clean, float noiseMin, float noiseMax, float epsilon, int epochs, double heldOut, string named)
    {
        var options = new UnnaturalQueryDetectorOptions { CleanImages = clean, NoiseMin = noiseMin, NoiseMax = noiseMax, FgsmEpsilon = epsilon, Epochs = epochs, HeldOut = heldOut };
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains(named, e.Message);
    }
}
