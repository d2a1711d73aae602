using Lineage.Data;
using Lineage.Models;
using Lineage.Suspects;

namespace Lineage.Kits;

/// <summary>
/// The source a kit is built for, as the zoo builder takes it (a model file): a Lineage model file with its own
/// preprocessing, or an ONNX file with the declared input, wrapped so that black-box attacks can query it as their
/// teacher. Its shape and classes must fit the owner's data.
/// </summary>
public static class KitSource
{
    public static ModelFile Open(string path, InputDeclaration? input, Dataset ownerData)
    {
        var name = Path.GetFileName(path);
        ModelFile source;
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            source = OnnxClassifier.Open(path, (input ?? InputDeclaration.Dataset).Resolve(ownerData.Preprocessing)).AsModelFile(name);
        else
        {
            source = ModelFile.Load(path);
            InputDeclaration.ForModelFile(input, ownerData.Preprocessing, source.Preprocessing, name);
        }
        if (!source.Preprocessing.Shape.AsSpan().SequenceEqual(ownerData.ImageShape))
            throw new ArgumentException($"{name} takes {Lineage.Engine.Tensor.FormatShape(source.Preprocessing.Shape)} images, but the owner's data has {Lineage.Engine.Tensor.FormatShape(ownerData.ImageShape)}; build the kit on the data the source was trained for");
        if (source.Spec.Classes != ownerData.NumClasses)
            throw new ArgumentException($"{name} has {source.Spec.Classes} classes, but the owner's data has {ownerData.NumClasses}; build the kit on the data the source was trained for");
        return source;
    }

    /// <summary>What the kit manifest records about the input: the declaration as given, or "model file" when the source declares its own.</summary>
    public static string Declaration(ModelFile source, InputDeclaration? input)
        => source.Model is Models.Architectures.ImportedClassifier ? (input ?? InputDeclaration.Dataset).ToString() : "model file";
}
