namespace Lineage.Engine;

/// <summary>How a loss combines its per-element values, as PyTorch's <c>reduction=</c> argument.</summary>
public enum Reduction
{
    /// <summary>No reduction: one loss per element (or per sample for class losses).</summary>
    None,
    /// <summary>Average over elements (over non-ignored samples for label losses).</summary>
    Mean,
    /// <summary>Sum over elements.</summary>
    Sum,
    /// <summary>Sum divided by the batch size (dimension 0): the mathematically correct KL divergence.</summary>
    BatchMean,
}

public static partial class Functional
{
    /// <summary>Applies a reduction to per-element losses with differentiable ops.
    /// <paramref name="meanCount"/> overrides the Mean divisor (e.g. samples not ignored).</summary>
    internal static Tensor ApplyReduction(Tensor losses, Reduction reduction, string lossName, float? meanCount = null)
    {
        switch (reduction)
        {
            case Reduction.None: return losses;
            case Reduction.Sum: return losses.Sum();
            case Reduction.Mean:
                // an empty or fully ignored batch gives NaN (0/0), as in PyTorch
                return losses.Sum().Mul(1f / (meanCount ?? losses.Size));
            case Reduction.BatchMean:
                if (losses.Rank == 0) throw new ArgumentException($"{lossName}: batchmean needs an input with a batch dimension");
                return losses.Sum().Mul(1f / losses.Shape[0]);
            default: throw new ArgumentOutOfRangeException(nameof(reduction));
        }
    }

    internal static void RequireSameShape(Tensor a, Tensor b, string lossName)
    {
        if (!a.SameShape(b)) throw new ArgumentException($"{lossName}: input {Tensor.FormatShape(a.Shape)} and target {Tensor.FormatShape(b.Shape)} must have the same shape");
    }
}
