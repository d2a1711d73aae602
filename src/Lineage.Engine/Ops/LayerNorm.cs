namespace Lineage.Engine;

/// <summary>Layer normalisation over the trailing dimensions, fused forward and backward.</summary>
public static partial class Functional
{
    /// <summary>torch.nn.functional.layer_norm: each row of the last normalizedShape.Length dimensions is
    /// normalised with its own mean and biased variance, then scaled by weight and shifted by bias
    /// (both of shape normalizedShape, optional).</summary>
    public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        int k = normalizedShape.Length;
        if (k == 0 || k > input.Rank || !input.Shape.AsSpan(input.Rank - k).SequenceEqual(normalizedShape))
            throw new ArgumentException($"layer_norm: normalized shape {Tensor.FormatShape(normalizedShape)} is not the trailing shape of input {Tensor.FormatShape(input.Shape)}");
        int d = Tensor.ShapeSize(normalizedShape);
        foreach (var (t, name) in new[] { (weight, "weight"), (bias, "bias") })
            if (t != null && !t.Shape.AsSpan().SequenceEqual(normalizedShape))
                throw new ArgumentException($"layer_norm: {name} has shape {Tensor.FormatShape(t.Shape)}, expected {Tensor.FormatShape(normalizedShape)}");
        int rows = d == 0 ? 0 : input.Size / d;
        var x = input.Data;
        var o = Tensor.Empty(input.Shape);
        var y = o.Data;
        var w = weight?.Data; var b = bias?.Data;
        var mean = new float[rows];
        var invStd = new float[rows];
        Par.For(rows, 4L * d, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                int off = r * d;
                double sum = 0;
                for (int j = 0; j < d; j++) sum += x[off + j];
                double mu = sum / d, ss = 0;
                for (int j = 0; j < d; j++) { double dv = x[off + j] - mu; ss += dv * dv; }
                float m = (float)mu, istd = 1f / MathF.Sqrt((float)(ss / d) + eps);
                mean[r] = m; invStd[r] = istd;
                for (int j = 0; j < d; j++)
                    y[off + j] = (x[off + j] - m) * istd * (w?[j] ?? 1f) + (b?[j] ?? 0f);
            }
        });

        Tensor[] parents = [input, weight ?? input, bias ?? input];
        var shape = input.Shape;
        return Tensor.FromOp(o, "layer_norm", parents, g =>
        {
            var gd = g.Data;
            Tensor? gx = null, gw = null, gb = null;
            if (input.RequiresGrad)
            {
                gx = Tensor.Empty(shape);
                var gxd = gx.Data;
                Par.For(rows, 6L * d, (r0, r1) =>
                {
                    for (int r = r0; r < r1; r++)
                    {
                        int off = r * d;
                        float mu = mean[r], istd = invStd[r];
                        // with ĝ = g·γ: dx = istd · (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))
                        double sg = 0, sgx = 0;
                        for (int j = 0; j < d; j++)
                        {
                            float gh = gd[off + j] * (w?[j] ?? 1f);
                            sg += gh; sgx += gh * (x[off + j] - mu) * istd;
                        }
                        float mg = (float)(sg / d), mgx = (float)(sgx / d);
                        for (int j = 0; j < d; j++)
                        {
                            float gh = gd[off + j] * (w?[j] ?? 1f), xh = (x[off + j] - mu) * istd;
                            gxd[off + j] = istd * (gh - mg - xh * mgx);
                        }
                    }
                });
            }
            bool needW = weight != null && weight.RequiresGrad, needB = bias != null && bias.RequiresGrad;
            if (needW || needB)
            {
                // reduce over rows, parallel over columns so each output element has a single writer
                var gwd = needW ? (gw = Tensor.Empty(normalizedShape)).Data : null;
                var gbd = needB ? (gb = Tensor.Empty(normalizedShape)).Data : null;
                Par.For(d, 3L * rows, (j0, j1) =>
                {
                    for (int j = j0; j < j1; j++)
                    {
                        double sw = 0, sb = 0;
                        for (int r = 0; r < rows; r++)
                        {
                            float gv = gd[r * d + j];
                            sb += gv; sw += gv * (x[r * d + j] - mean[r]) * invStd[r];
                        }
                        if (gwd != null) gwd[j] = (float)sw;
                        if (gbd != null) gbd[j] = (float)sb;
                    }
                });
            }
            return [gx, gw, gb];
        });
    }
}
