using Lineage.Attacks;

namespace Lineage.Zoo;

/// <summary>
/// One model file the zoo produces: a train step or an attack applied to its parent node. Its file name is the
/// hash of its recipe (the data, the split, every step from the root up to it with all parameters resolved, and
/// <see cref="ZooPlan.RecipeVersion"/>), so the same recipe is built once, whichever spec or shard asks for it.
/// </summary>
public sealed class ZooNode
{
    public required string RecipeHash { get; init; }
    /// <summary>The canonical recipe text the hash is taken of (kept beside the model for inspection).</summary>
    public required string Recipe { get; init; }
    public ZooNode? Parent { get; init; }
    public ZooTrainStep? Train { get; init; }
    /// <summary>The hash of a model handed to the build (<see cref="ZooBuildOptions.Given"/>); it is never built or written.</summary>
    public string? Given { get; init; }
    public IAttack? Attack { get; init; }
    public int Seed { get; init; }
    /// <summary>Where it is declared, e.g. "model 'ftal-1', step 1 (ftal)", for messages.</summary>
    public required string Where { get; init; }
    /// <summary>Classes of the model's output (changes only through transfer learning).</summary>
    public required int Classes { get; init; }
    public required string Architecture { get; init; }
    /// <summary>Knockoff and transfer to target=transfer-set read the spec's transfer data.</summary>
    public bool UsesTransferData { get; init; }

    public string Step => Train is not null ? "train" : Given is not null ? "given" : Attack!.Name;
    public string File => $"models/{RecipeHash}.safetensors";
    public string BuildRecordFile => $"models/{RecipeHash}.json";
}
