using Lineage.Zoo;

namespace Lineage.Tests.Evaluation;

public sealed class ZooManifestTests : IDisposable
{
    readonly string dir = Path.Combine(Path.GetTempPath(), "lineage-manifest-" + Guid.NewGuid().ToString("N"));

    public ZooManifestTests() => Directory.CreateDirectory(Path.Combine(dir, "models"));

    public void Dispose() => Directory.Delete(dir, recursive: true);

    const string Valid = """
        {"format":"lineage-zoo/1","spec_hash":"abc","dataset":{"name":"shapes","train_count":100,"test_count":50,"data_seed":3},"split_seed":1,
         "models":[{"id":"src","file":"models/a.safetensors","hash":"h1","role":"source","category":"source","source":null,"chain":"src","test_accuracy":0.87,"seconds":12.3},
                   {"id":"ftal-1","file":"models/b.safetensors","hash":"h2","role":"stolen","category":"Finetune-A","source":"src","chain":"src>ftal","test_accuracy":0.8,"seconds":1},
                   {"id":"ind-1","file":"models/c.safetensors","hash":"h3","role":"independent","category":"independent","source":null,"chain":"ind","test_accuracy":0.85,"seconds":2}]}
        """;

    void Write(string manifest, params string[] files)
    {
        File.WriteAllText(Path.Combine(dir, "manifest.json"), manifest);
        foreach (var f in files) File.WriteAllText(Path.Combine(dir, f), "x");
    }

    [Fact]
    public void Reads_the_zoo_format()
    {
        Write(Valid, "models/a.safetensors", "models/b.safetensors", "models/c.safetensors");
        var zoo = ZooManifest.LoadDirectory(dir);
        Assert.Equal("shapes", zoo.Dataset.Name);
        Assert.Equal(3, zoo.Dataset.DataSeed);
        Assert.Equal(1, zoo.SplitSeed);
        Assert.Equal("src", zoo.Source.Id);
        Assert.Equal(["ftal-1", "ind-1"], zoo.Suspects.Select(m => m.Id));
        Assert.Equal(0.8, zoo.Suspects[0].TestAccuracy);
        Assert.Equal(Path.Combine(Path.GetFullPath(dir), "models/b.safetensors"), zoo.PathOf(zoo.Suspects[0]));
    }

    [Fact]
    public void Missing_manifest_names_the_file()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ZooManifest.LoadDirectory(dir));
        Assert.Contains("manifest.json", e.Message);
    }

    [Fact]
    public void Corrupt_manifest_is_rejected_clearly()
    {
        Write("{\"format\":\"lineage-zoo/1\",\"models\":[");
        var e = Assert.Throws<InvalidDataException>(() => ZooManifest.LoadDirectory(dir));
        Assert.Contains("not a zoo manifest", e.Message);
        Write(Valid.Replace("lineage-zoo/1", "lineage-zoo/9"));
        Assert.Contains("lineage-zoo/9", Assert.Throws<InvalidDataException>(() => ZooManifest.LoadDirectory(dir)).Message);
    }

    [Fact]
    public void Missing_model_file_names_the_model()
    {
        Write(Valid, "models/a.safetensors", "models/c.safetensors");
        var e = Assert.Throws<FileNotFoundException>(() => ZooManifest.LoadDirectory(dir));
        Assert.Contains("ftal-1", e.Message);
        Assert.Contains("models/b.safetensors", e.Message);
    }

    [Fact]
    public void A_zoo_needs_one_source()
    {
        Write(Valid.Replace("\"role\":\"source\"", "\"role\":\"stolen\""), "models/a.safetensors", "models/b.safetensors", "models/c.safetensors");
        Assert.Contains("exactly one model with role 'source'", Assert.Throws<InvalidDataException>(() => ZooManifest.LoadDirectory(dir)).Message);
    }
}
