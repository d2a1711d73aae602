using Lineage.Engine;

namespace Lineage.Attacks;

/// <summary>
/// Weights a pruning attack removed, kept at zero while the pruned model is fine-tuned: the mask is applied
/// before every training step (through the Trainer's batch transform) and once after the last, so whatever
/// the optimiser's momentum and weight decay do in between, the model that trains and the model that is
/// saved both have exactly the pruned entries at zero.
/// </summary>
public sealed class WeightMask
{
    readonly List<(Tensor Tensor, bool[] Keep)> entries = new();

    public void Add(Tensor tensor, bool[] keep)
    {
        if (keep.Length != tensor.Size) throw new ArgumentException($"mask of {keep.Length} entries for a tensor of {tensor.Size}");
        entries.Add((tensor, keep));
    }

    public int Masked => entries.Sum(e => e.Keep.Count(k => !k));
    public int Total => entries.Sum(e => e.Keep.Length);

    public void Apply()
    {
        foreach (var (t, keep) in entries)
        {
            var d = t.Span;
            for (int i = 0; i < keep.Length; i++) if (!keep[i]) d[i] = 0f;
        }
    }
}
