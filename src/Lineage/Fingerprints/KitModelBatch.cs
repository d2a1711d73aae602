using Lineage.Engine;

namespace Lineage.Fingerprints;

/// <summary>What the methods that optimise queries against the kit's models (MetaFinger, NaturalFinger) do with them
/// each step: draw a few at random, average their loss terms, and read their labels without gradients.</summary>
internal static class KitModelBatch
{
    /// <summary>Up to <paramref name="count"/> models in a seeded random order (the authors' codes draw a few per step).</summary>
    public static IEnumerable<Func<Tensor, Tensor>> Draw(IReadOnlyList<Func<Tensor, Tensor>> models, int count, Generator gen)
    {
        var order = gen.Permutation(models.Count);
        return order.Take(Math.Min(count, models.Count)).Select(i => models[i]);
    }

    /// <summary>The mean of one loss term per model, differentiable.</summary>
    public static Tensor Mean(IReadOnlyList<Tensor> terms) => terms.Skip(1).Aggregate(terms[0], (a, b) => a + b) * (1f / terms.Count);

    /// <summary>A model's top-1 labels on the images, without building a graph.</summary>
    public static int[] Labels(Func<Tensor, Tensor> model, Tensor images)
    {
        using var _ = GradMode.NoGrad();
        using var scope = TensorScope.Begin();
        return model(images).ArgMax(1);
    }
}
