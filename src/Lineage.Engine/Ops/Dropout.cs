namespace Lineage.Engine;

/// <summary>Inverted dropout.</summary>
public static partial class Functional
{
    /// <summary>torch.nn.functional.dropout: in training, zeroes each element with probability p and scales
    /// the survivors by 1/(1 − p) so the expectation is unchanged; otherwise returns the input itself.</summary>
    public static Tensor Dropout(Tensor input, float p, bool training, Generator gen)
    {
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), $"dropout probability must be in [0, 1], got {p}");
        if (!training || p == 0) return input;
        int size = input.Size;
        // the mask is drawn sequentially from the generator so the result does not depend on the thread count
        // pooled like the output (a training step's scope recycles both); every element is written below
        var mask = Tensor.Empty(input.Shape).Data;
        float scale = p == 1 ? 0f : 1f / (1f - p);
        for (int i = 0; i < size; i++) mask[i] = gen.NextFloat() < p ? 0f : scale;
        var o = Tensor.Empty(input.Shape);
        var x = input.Data; var y = o.Data;
        Par.For(size, 1, (s, e) => { for (int i = s; i < e; i++) y[i] = x[i] * mask[i]; });
        return Tensor.FromOp(o, "dropout", [input], g =>
        {
            var gi = Tensor.Empty(input.Shape);
            var gd = g.Data; var gid = gi.Data;
            Par.For(size, 1, (s, e) => { for (int i = s; i < e; i++) gid[i] = gd[i] * mask[i]; });
            return [gi];
        });
    }
}
