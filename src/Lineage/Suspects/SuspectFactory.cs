using Lineage.Data;
using Lineage.Engine;
using Lineage.Engine.Onnx;
using Lineage.Models;
using Lineage.Suspects.Remote;

namespace Lineage.Suspects;

/// <summary>Opens a suspect from where it lives: a Lineage model file (runs with its own declared
/// preprocessing), an ONNX file (run by ONNX Runtime, or by the engine's importer when asked) or an http(s)
/// prediction API (both declare none, so the fingerprint's preprocessing is applied).</summary>
public static class SuspectFactory
{
    /// <param name="remote">Options for an http(s) suspect; when null, defaults with <paramref name="mode"/> as the
    /// output interpretation. A remote suspect comes back metered with <see cref="RemoteSuspectOptions.Budget"/>.</param>
    /// <param name="onnxRuntime">What runs an .onnx suspect.</param>
    public static ISuspect Open(string location, Preprocessing declaredPreprocessing, OutputMode mode = OutputMode.Logits, int topK = 1, RemoteSuspectOptions? remote = null,
        OnnxSuspectRuntime onnxRuntime = OnnxSuspectRuntime.OnnxRuntime)
    {
        if (location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            var options = remote ?? new RemoteSuspectOptions { Output = RemoteOutputKindOf(mode), TopK = mode == OutputMode.TopK ? topK : null };
            return new MeteredSuspect(new RemoteSuspect(location, declaredPreprocessing, options), options.Budget);
        }
        if (!File.Exists(location)) throw new FileNotFoundException($"suspect {location} does not exist", location);
        var name = Path.GetFileName(location);
        if (location.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            if (onnxRuntime == OnnxSuspectRuntime.Engine)
            {
                var onnx = OnnxClassifier.Open(location, declaredPreprocessing);
                return new ModelSuspect(name, onnx.Logits, onnx.Classes, mode, topK);
            }
            var ort = OnnxRuntimeClassifier.Open(location, declaredPreprocessing);
            return new ModelSuspect(name, ort.Logits, ort.Classes, mode, topK);
        }
        return ModelSuspect.Of(ModelFile.Load(location), name, mode, topK);
    }

    public static RemoteOutputKind RemoteOutputKindOf(OutputMode mode) => mode switch
    {
        OutputMode.Logits => RemoteOutputKind.Logits,
        OutputMode.Probabilities => RemoteOutputKind.Probabilities,
        OutputMode.TopK => RemoteOutputKind.TopK,
        _ => RemoteOutputKind.Label,
    };
}

/// <summary>An imported ONNX classifier with the preprocessing it is declared to take and its class count
/// (found by running one image through it).</summary>
public sealed class OnnxClassifier
{
    public required OnnxModel Model { get; init; }
    public required Preprocessing Preprocessing { get; init; }
    public required int Classes { get; init; }
    public required string Hash { get; init; }

    public Tensor Logits(Tensor images) => Model.Forward(Preprocessing.Apply(images));

    /// <summary>The graph as a model file a black-box attack can take as its source (the teacher of an extraction):
    /// its hash is the ONNX file's, its lineage an import step naming the file. Only square images fit the
    /// students' architectures.</summary>
    public ModelFile AsModelFile(string name)
    {
        if (Preprocessing.Height != Preprocessing.Width)
            throw new ArgumentException($"{name}: takes {Tensor.FormatShape(Preprocessing.Shape)} images, but student architectures take square images");
        var spec = new Models.Architectures.ArchitectureSpec
        {
            Name = Models.Architectures.ImportedClassifier.ArchitectureName,
            InChannels = Preprocessing.Channels, ImageSize = Preprocessing.Height, Classes = Classes,
        };
        return new ModelFile
        {
            Model = new Models.Architectures.ImportedClassifier(Model, spec),
            Preprocessing = Preprocessing,
            TrainedOn = "unknown (imported ONNX model)",
            Lineage = new ModelLineage { Step = "import", Chain = $"import({name}, sha256={Hash[..12]})" },
            ImportedHash = Hash,
        };
    }

    public static OnnxClassifier Open(string path, Preprocessing preprocessing)
    {
        // read once: the same bytes are parsed and hashed
        byte[] bytes;
        try { bytes = Engine.IO.RegularFile.ReadAll(path); }
        catch (FileNotFoundException) { throw new FileNotFoundException($"ONNX model {path} does not exist", path); }
        var model = OnnxModel.Load(bytes, path);
        model.Eval();
        int classes;
        using (GradMode.NoGrad())
        {
            var y = model.Forward(Tensor.Zeros([1, .. preprocessing.Shape]));
            if (y.Rank != 2 || y.Shape[0] != 1 || y.Shape[1] < 2)
                throw new InvalidDataException($"{path}: expected a classifier with output [N, classes], got {Tensor.FormatShape(y.Shape)} for one image of {Tensor.FormatShape(preprocessing.Shape)}");
            classes = y.Shape[1];
        }
        return new OnnxClassifier { Model = model, Preprocessing = preprocessing, Classes = classes, Hash = FileHash(bytes) };
    }

    /// <summary>An ONNX file's identity in fingerprints, suspects and kits: the SHA-256 of its bytes, lower-case hex.</summary>
    public static string FileHash(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
}
