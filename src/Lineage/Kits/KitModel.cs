using Lineage.Models;

namespace Lineage.Kits;

/// <summary>One model of an owner's kit as its manifest records it. <see cref="Origin"/> says how it was made in a
/// few words ("train seed=1001", "extract-l arch=lenet5 seed=1103").</summary>
public sealed record KitModel(string Id, KitRole Role, string Hash, string RelativePath, string Architecture, string Origin, double? TestAccuracy)
{
    /// <summary>Loads the model file and checks that it is the model the manifest names.</summary>
    public ModelFile Load(OwnerKit kit)
    {
        var path = Path.Combine(kit.Directory, RelativePath);
        ModelFile file;
        try { file = ModelFile.Load(path); }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or EndOfStreamException)
        {
            throw new InvalidDataException($"{kit.ManifestPath}: model '{Id}' ({RelativePath}) does not load: {e.Message}; rebuild the kit with 'lineage kit build'", e);
        }
        if (file.Hash != Hash)
            throw new InvalidDataException($"{kit.ManifestPath}: model '{Id}' ({RelativePath}) has hash {file.Hash[..12]}…, but the manifest records {Hash[..12]}…; rebuild the kit with 'lineage kit build'");
        return file;
    }

    /// <summary>Loads the model in eval mode for a method that differentiates through it beside a source taking
    /// <paramref name="inputShape"/> images, refusing a model of another input shape.</summary>
    public ModelFile LoadFor(OwnerKit kit, IReadOnlyList<int> inputShape, string sourceName)
    {
        var file = Load(kit);
        if (!file.Preprocessing.Shape.SequenceEqual(inputShape))
            throw new ArgumentException($"{kit.ManifestPath}: kit model '{Id}' takes images of [{string.Join(", ", file.Preprocessing.Shape)}], the source {sourceName} takes [{string.Join(", ", inputShape)}]");
        file.Model.Eval();
        return file;
    }
}
