using Lineage.Evaluation;
using Lineage.Fingerprints;
using Lineage.Fingerprints.MetaV;
using Lineage.Kits;
using Lineage.Models;
using Lineage.Suspects;
using Lineage.Tests.Kits;
using Lineage.Tests.Zoo;

namespace Lineage.Tests.Fingerprints;

/// <summary>MetaV on the catalog, from a tiny owner's kit: its queries stay images, its verifier separates the kit's
/// positives from its negatives, and the fingerprint, verifier included, round-trips through its file.</summary>
public sealed class MetaVMethodTests
{
    static readonly Dictionary<string, string> Small = new() { ["samples"] = "20", ["steps"] = "80", ["hidden"] = "16", ["held_out_references"] = "1" };

    [Fact]
    public void LearnsFromTheKitSeparatesItAndRoundTrips()
    {
        using var zooDir = new TinyZoo.TempDir();
        using var kitDir = new TinyZoo.TempDir();
        var (context, kit, sourceFile) = TinyKit.Context(zooDir.Path, kitDir.Path, seed: 4);
        var fp = FingerprintCreation.Create("metav", context, Small, new RuleOptions { Kit = kit });

        Assert.Equal([20, .. sourceFile.Preprocessing.Shape], fp.Queries.Shape);
        Assert.All(fp.Queries.ToArray(), v => Assert.InRange(v, 0f, 1f));
        Assert.Contains("did not learn from", fp.Rule.Basis);   // calibrated on the held-out reference only
        var trainedOn = fp.Parameter("kit_training_references").Split(' ');

        // the verifier puts every positive it learned from above every negative it learned from
        double Score(ModelFile m, string name) => FingerprintVerifier.Verify(fp, ModelSuspect.Of(m, name)).Score;
        var positives = kit.Surrogates.Select(m => Score(m.Load(kit), m.Id)).Append(Score(sourceFile, "source")).ToList();
        var negatives = kit.References.Where(m => trainedOn.Contains(m.Id)).Select(m => Score(m.Load(kit), m.Id)).ToList();
        Assert.True(positives.Min() > negatives.Max(), $"positives {string.Join(", ", positives)}; negatives {string.Join(", ", negatives)}");

        var path = Path.Combine(kitDir.Path, "metav.fingerprint");
        FingerprintFile.Save(fp, path);
        var loaded = FingerprintFile.Load(path);
        Assert.Equal(Score(sourceFile, "source"), FingerprintVerifier.Verify(loaded, ModelSuspect.Of(sourceFile, "source")).Score, 6);
        // it reads full outputs: a label-only API is refused for this method, with the reason
        var labelOnly = Assert.Throws<NotSupportedException>(() => FingerprintVerifier.Verify(loaded, ModelSuspect.Of(sourceFile, "source", OutputMode.Label)));
        Assert.Contains("full output vectors", labelOnly.Message);
        // nor can a model of another label space (a transferred copy): "not readable", not an error
        var fourClasses = SuspectOutput.FromProbabilities(Enumerable.Repeat(0.25f, 20 * 4).ToArray(), 20, 4);
        Assert.Throws<NotSupportedException>(() => MetaVMethod.Method.Score(loaded, fourClasses));
    }

    [Fact]
    public void NeedsAKit()
    {
        using var zooDir = new TinyZoo.TempDir();
        var (zoo, sourcePath) = TinyKit.Source(zooDir.Path);
        var context = new CreationContext { Source = SourceModel.FromModelFile(ModelFile.Load(sourcePath), "src"), OwnerData = ZooEvaluation.OwnerData(zoo, null) };
        Assert.Contains("--kit", Assert.Throws<ArgumentException>(() => FingerprintCreation.Create("metav", context, Small, new RuleOptions())).Message);
    }

    [Fact]
    public void TheVerifierRoundTripsThroughItsWeights()
    {
        var verifier = MetaVVerifier.Create(12, 5, new Engine.Generator(3));
        var outputs = Enumerable.Range(0, 24).Select(i => (float)Math.Sin(i)).ToArray();
        var again = MetaVVerifier.FromWeights(verifier.Weights());
        Assert.Equal(verifier.Margins(outputs, 2), again.Margins(outputs, 2));
        Assert.Throws<InvalidDataException>(() => MetaVVerifier.FromWeights(new Dictionary<string, Engine.Tensor>()));
    }
}
