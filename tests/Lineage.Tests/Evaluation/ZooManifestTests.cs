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
        var source = zoo.SourceFor(null);
        Assert.Equal("src", source.Id);
        var suspects = zoo.SuspectsOf(source);
        Assert.Equal(["ftal-1", "ind-1"], suspects.Select(m => m.Id));
        Assert.Equal(0.8, suspects[0].TestAccuracy);
        Assert.Equal(Path.Combine(Path.GetFullPath(dir), "models/b.safetensors"), zoo.PathOf(suspects[0]));
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
    public void A_zoo_needs_a_source()
    {
        Write(Valid.Replace("\"role\":\"source\"", "\"role\":\"stolen\""), "models/a.safetensors", "models/b.safetensors", "models/c.safetensors");
        Assert.Contains("at least one model with role 'source'", Assert.Throws<InvalidDataException>(() => ZooManifest.LoadDirectory(dir)).Message);
    }

    /// <summary>A zoo with two sources: the caller names one; its suspects are its own stolen models and every
    /// independent one, never the other source's copies.</summary>
    [Fact]
    public void With_several_sources_one_is_named_and_judged_against_its_own_copies()
    {
        string two = Valid.Replace("""{"id":"ind-1",""", """
            {"id":"src2","file":"models/d.safetensors","hash":"h4","role":"source","category":"source","source":null,"chain":"src2","test_accuracy":0.9,"seconds":3},
            {"id":"ftll-2","file":"models/e.safetensors","hash":"h5","role":"stolen","category":"Finetune-L","source":"src2","chain":"src2>ftll","test_accuracy":0.9,"seconds":1},
            {"id":"ind-1",
            """);
        Write(two, "models/a.safetensors", "models/b.safetensors", "models/c.safetensors", "models/d.safetensors", "models/e.safetensors");
        var zoo = ZooManifest.LoadDirectory(dir);
        Assert.Equal(["src", "src2"], zoo.Sources.Select(m => m.Id));
        var none = Assert.Throws<ArgumentException>(() => zoo.SourceFor(null));
        Assert.Contains("2 sources (src, src2)", none.Message);
        Assert.Contains("--source", none.Message);
        Assert.Contains("its sources: src, src2", Assert.Throws<ArgumentException>(() => zoo.SourceFor("src3")).Message);
        Assert.Equal(["ftll-2", "ind-1"], zoo.SuspectsOf(zoo.SourceFor("src2")).Select(m => m.Id));
        Assert.Equal(["ftal-1", "ind-1"], zoo.SuspectsOf(zoo.SourceFor("src")).Select(m => m.Id));
    }

    [Fact]
    public void A_source_without_stolen_models_has_nothing_to_evaluate()
    {
        string extra = Valid.Replace("""{"id":"ind-1",""", """
            {"id":"lonely","file":"models/d.safetensors","hash":"h4","role":"source","category":"source","source":null,"chain":"lonely","test_accuracy":0.9,"seconds":3},
            {"id":"ind-1",
            """);
        Write(extra, "models/a.safetensors", "models/b.safetensors", "models/c.safetensors", "models/d.safetensors");
        var zoo = ZooManifest.LoadDirectory(dir);
        Assert.Contains("no models stolen from 'lonely'", Assert.Throws<InvalidDataException>(() => zoo.SuspectsOf(zoo.SourceFor("lonely"))).Message);
    }
}
