using Lineage.Engine;
using Lineage.Generative;
using Lineage.Tests.Zoo;

namespace Lineage.Tests.Generative;

public sealed class GanFileTests
{
    static GanFile Tiny() => new()
    {
        Gan = new ConditionalGan(new GanSpec { LatentSize = 4, Classes = 2, Channels = 1, ImageSize = 8, Width = 4 }, new Generator(1)),
        TrainedOn = "bars/train", Dataset = "bars", ClassNames = ["horizontal", "vertical"], Seed = 1, Iterations = 5,
        Quality = new Dictionary<string, string> { ["frechet_distance"] = "1.5" },
    };

    [Fact]
    public void RoundTripsWeightsSpecAndFacts()
    {
        using var dir = new TinyZoo.TempDir();
        string path = Path.Combine(dir.Path, "g.gan");
        var gan = Tiny();
        gan.Gan.Eval();
        gan.Save(path);
        var back = GanFile.Load(path);
        Assert.Equal(gan.Hash, back.Hash);
        Assert.Equal(gan.Spec, back.Spec);
        Assert.Equal(["horizontal", "vertical"], back.ClassNames);
        Assert.Equal("1.5", back.Quality["frechet_distance"]);
        // the same latents give the same images
        var a = gan.Gan.Sample([0, 1, 1], new Generator(4));
        var b = back.Gan.Sample([0, 1, 1], new Generator(4));
        Assert.Equal(a.Span.ToArray(), b.Span.ToArray());
        Assert.All(a.Span.ToArray(), v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void SamplesPerClassComeClassByClassAsTheGridDrawsThem()
    {
        var gan = Tiny();
        var samples = GanJob.SamplesPerClass(gan, 3, seed: 7);
        Assert.Equal([gan.Spec.Classes * 3, gan.Spec.Channels, gan.Spec.ImageSize, gan.Spec.ImageSize], samples.Shape);
        var labels = Enumerable.Range(0, gan.Spec.Classes).SelectMany(c => Enumerable.Repeat(c, 3)).ToArray();
        Assert.Equal(gan.Gan.Sample(labels, new Generator(7)).ToArray(), samples.ToArray());
        Assert.All(samples.ToArray(), v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void AnyChangedByteIsRefused()
    {
        using var dir = new TinyZoo.TempDir();
        string path = Path.Combine(dir.Path, "g.gan");
        Tiny().Save(path);
        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => GanFile.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void AGanForOtherImagesOrClassesIsRefusedSayingWhy()
    {
        var gan = Tiny();
        var shape = Assert.Throws<ArgumentException>(() => gan.RequireFits([1, 28, 28], 2, "bars", "source m"));
        Assert.Contains("[1, 28, 28]", shape.Message);
        var classes = Assert.Throws<ArgumentException>(() => gan.RequireFits([1, 8, 8], 10, "bars", "source m"));
        Assert.Contains("10", classes.Message);
        var data = Assert.Throws<ArgumentException>(() => gan.RequireFits([1, 8, 8], 2, "fashion-mnist", "source m"));
        Assert.Contains("bars", data.Message);
        Assert.Throws<FileNotFoundException>(() => GanFile.Load("no-such.gan"));
    }
}
