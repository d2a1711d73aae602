using Lineage.Engine;

namespace Lineage.Data.Augmentations;

/// <summary>Applies augmentations in order, each drawing from the same generator.</summary>
public sealed class Compose(params IAugmentation[] steps) : IAugmentation
{
    public IReadOnlyList<IAugmentation> Steps { get; } = steps;

    public Tensor Apply(Tensor batch, Generator gen)
    {
        var current = batch;
        foreach (var step in Steps) current = step.Apply(current, gen);
        return ReferenceEquals(current, batch) ? batch.Clone() : current;
    }
}

/// <summary>Picks one of the augmentations uniformly per call (NaturalFinger draws one random
/// transform T per optimisation step).</summary>
public sealed class OneOf(params IAugmentation[] choices) : IAugmentation
{
    public IReadOnlyList<IAugmentation> Choices { get; } =
        choices.Length > 0 ? choices : throw new ArgumentException("OneOf needs at least one augmentation");

    public Tensor Apply(Tensor batch, Generator gen) => Choices[gen.NextInt(Choices.Count)].Apply(batch, gen);
}

/// <summary>Returns a copy of the batch (NaturalFinger's identity transform).</summary>
public sealed class Identity : IAugmentation
{
    public Tensor Apply(Tensor batch, Generator gen) => batch.Clone();
}
