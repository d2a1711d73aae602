using Lineage.Data;
using Lineage.Engine;
using Lineage.Engine.Onnx;
using Lineage.Fingerprints;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Suspects;
using Lineage.Tests.Fingerprints.Combined;

namespace Lineage.Tests.Registry;

/// <summary>
/// Tiny registered models for the registry's tests: untrained MLPs on 1×8×8 images (a few hundred weights, saved as
/// real Lineage model files and exported to ONNX), each fingerprinted with SAC-m calibrated on 39 other random MLPs.
/// (SAC compares the correlation of the outputs, which separates untrained models; AKH and IPGuard compare labels,
/// and untrained models' labels lean to one class each, so independent ones agree by accident: 11 of 90 at p ≤ 0.05.)
/// Making one takes milliseconds, so a test can register twenty.
/// </summary>
public static class RegistryWorld
{
    public const int Side = 8;
    /// <summary>Pixels in [0,1] spread to [-5, 5]: an untrained MLP on raw [0,1] inputs answers nearly one class for all,
    /// and two such models would agree by accident.</summary>
    public static readonly Preprocessing Preprocessing = new([0.5f], [0.1f], [1, Side, Side]);

    public static ModelFile Model(int seed) => new()
    {
        Model = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "mlp", InChannels = 1, ImageSize = Side, Classes = LinearWorld.Classes, Width = 0.25f }, new Generator(seed)),
        Preprocessing = Preprocessing, TrainedOn = "registry test (untrained)", Lineage = new ModelLineage { Step = "init", Seed = seed, Chain = $"init(mlp, seed={seed})" },
    };

    static IReadOnlyList<ISuspect>? nulls;
    static IReadOnlyList<ISuspect> Nulls => nulls ??= Enumerable.Range(1000, 39).Select(s => (ISuspect)ModelSuspect.Of(Model(s), $"null{s}", OutputMode.Logits, 1)).ToList();

    /// <summary>A SAC-m fingerprint (or another method that needs no artifacts) of the model of <paramref name="seed"/>, saved under <paramref name="dir"/>.</summary>
    public static string Fingerprint(int seed, string dir, string? name = null, string method = "sac-m", int queries = 30)
    {
        var model = Model(seed);
        var fp = LinearWorld.Make(method, ModelSuspect.Of(model, "source", OutputMode.Logits, 1), queries, seed, Nulls, sourceHash: model.Hash, preprocessing: Preprocessing);
        return LinearWorld.Save(fp, dir, name ?? $"model{seed}.{method}.safetensors");
    }

    /// <summary>The model of <paramref name="seed"/> as a suspect file: a Lineage model file, or ONNX.</summary>
    public static string SuspectFile(int seed, string dir, bool onnx = false)
    {
        var model = Model(seed);
        var path = Path.Combine(dir, $"suspect{seed}{(onnx ? ".onnx" : ".safetensors")}");
        if (onnx) OnnxExporter.Export(model.Model, [1, Side, Side], path);
        else model.Save(path);
        return path;
    }
}
