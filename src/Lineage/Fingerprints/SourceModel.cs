using Lineage.Data;
using Lineage.Engine;
using Lineage.Models;

namespace Lineage.Fingerprints;

/// <summary>
/// The owner's model as fingerprint creation sees it (white-box): a differentiable map from [0,1]
/// images to logits, its declared preprocessing, class count and identity hash. A Lineage model file
/// is one kind; an imported ONNX graph is another.
/// </summary>
public sealed class SourceModel
{
    public required string Name { get; init; }
    public required string Hash { get; init; }
    public required Preprocessing Preprocessing { get; init; }
    public required int Classes { get; init; }
    /// <summary>[0,1] images → logits, with the preprocessing applied; differentiable w.r.t. the images.</summary>
    public required Func<Tensor, Tensor> Logits { get; init; }
    /// <summary>The model file, when the source is one (SAC-w distils surrogates of the same architecture).</summary>
    public ModelFile? File { get; init; }

    public static SourceModel FromModelFile(ModelFile file, string name)
    {
        file.Model.Eval();
        return new SourceModel
        {
            Name = name,
            Hash = file.Hash,
            Preprocessing = file.Preprocessing,
            Classes = file.Spec.Classes,
            Logits = file.Logits,
            File = file,
        };
    }

    /// <summary>A source exported from another framework as ONNX; its preprocessing is the owner's data's.</summary>
    public static SourceModel FromOnnx(string path, Preprocessing preprocessing)
    {
        var onnx = Suspects.OnnxClassifier.Open(path, preprocessing);
        return new SourceModel { Name = Path.GetFileName(path), Hash = onnx.Hash, Preprocessing = preprocessing, Classes = onnx.Classes, Logits = onnx.Logits };
    }

    /// <summary>A Lineage model file or, by extension, an ONNX file. An ONNX file declares no input, so
    /// <paramref name="input"/> (default: the data's mean/std) says what it takes. A model file declares its own; an
    /// explicit <paramref name="input"/> for it must agree with that declaration, since its weights were trained on it.</summary>
    public static SourceModel Open(string path, Preprocessing dataPreprocessing, InputDeclaration? input = null)
    {
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            return FromOnnx(path, (input ?? InputDeclaration.Dataset).Resolve(dataPreprocessing));
        var file = ModelFile.Load(path);
        InputDeclaration.ForModelFile(input, dataPreprocessing, file.Preprocessing, Path.GetFileName(path));
        return FromModelFile(file, Path.GetFileName(path));
    }

    /// <summary>Logits for many images, in batches, without gradients (through the same batching and shape
    /// checks a suspect gets).</summary>
    public float[] LogitsOf(Tensor images)
    {
        var logits = new Suspects.ModelSuspect(Name, Logits, Classes).Logits(images);
        int bad = Array.FindIndex(logits, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new InvalidDataException($"the source model {Name} computed a non-finite logit ({logits[bad]}) for image {bad / Classes}, class {bad % Classes}: its weights are damaged or diverged, so no fingerprint can be made from it");
        return logits;
    }
}
