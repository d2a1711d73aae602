using Lineage.Data;
using Lineage.Engine;
using Lineage.Fingerprints;
using Lineage.Models;
using Lineage.Models.Architectures;

namespace Lineage.Tests.Data;

public sealed class InputDeclarationTests
{
    static readonly Preprocessing Rgb = Preprocessing.Cifar10;

    [Fact]
    public void RawDatasetAndExplicitDeclarationsResolveAgainstTheData()
    {
        Assert.Same(Rgb, InputDeclaration.Parse(null).Resolve(Rgb));
        Assert.Same(Rgb, InputDeclaration.Parse(" Dataset ").Resolve(Rgb));
        Assert.Equal(Preprocessing.Identity(3, 32, 32), InputDeclaration.Parse("raw").Resolve(Rgb));
        var one = InputDeclaration.Parse("mean=0.5,std=0.25").Resolve(Rgb);
        Assert.Equal(new Preprocessing([0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f], [3, 32, 32]), one);
        var each = InputDeclaration.Parse("mean=0.1,0.2,0.3, std=0.4,0.5,0.6").Resolve(Rgb);
        Assert.Equal(new Preprocessing([0.1f, 0.2f, 0.3f], [0.4f, 0.5f, 0.6f], [3, 32, 32]), each);
        foreach (var text in new[] { "raw", "dataset", "mean=0.1,0.2,0.3,std=0.4,0.5,0.6" })
            Assert.Equal(text, InputDeclaration.Parse(text).ToString());
    }

    [Theory]
    [InlineData("mean=0.1,0.2,std=1,1", "2 mean values do not fit images with 3 channel(s)")]
    [InlineData("mean=0.5,std=0", "std must be a positive number")]
    [InlineData("mean=0.5,std=-1", "std must be a positive number")]
    [InlineData("mean=half,std=1", "'half' is not a number")]
    [InlineData("mean=0.5", "both mean= and std= are needed")]
    [InlineData("scale=2,std=1", "unknown key 'scale'")]
    [InlineData("normalised", "values must follow mean= or std=")]
    [InlineData("mean=1,mean=2,std=1", "'mean' is given twice")]
    public void BadDeclarationsFailNamingTheSetting(string text, string why)
    {
        var e = Assert.Throws<ArgumentException>(() => InputDeclaration.Parse(text).Resolve(Rgb));
        Assert.StartsWith("--input", e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void AModelFileKeepsItsOwnPreprocessingAndRefusesAContradictingDeclaration()
    {
        using var dir = new Tests.Zoo.TinyZoo.TempDir();
        var net = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "cnn-c", InChannels = 1, ImageSize = 28, Classes = 10, Width = 0.125f }, new Generator(1));
        var path = Path.Combine(dir.Path, "m.safetensors");
        new ModelFile { Model = net, Preprocessing = Preprocessing.FashionMnist, TrainedOn = "fmnist", Lineage = ModelLineage.Trained("cnn-c", "fmnist", 1, new Dictionary<string, string>()) }.Save(path);

        Assert.Equal(Preprocessing.FashionMnist, SourceModel.Open(path, Preprocessing.Shapes28).Preprocessing);
        Assert.Equal(Preprocessing.FashionMnist, SourceModel.Open(path, Preprocessing.FashionMnist, InputDeclaration.Dataset).Preprocessing);
        Assert.Equal(Preprocessing.FashionMnist, SourceModel.Open(path, Preprocessing.Shapes28, InputDeclaration.Parse("mean=0.286,std=0.353")).Preprocessing);
        var e = Assert.Throws<ArgumentException>(() => SourceModel.Open(path, Preprocessing.FashionMnist, InputDeclaration.Raw));
        Assert.StartsWith("--input raw", e.Message);
        Assert.Contains("m.safetensors", e.Message);
        Assert.Contains("leave out --input", e.Message);
    }
}
