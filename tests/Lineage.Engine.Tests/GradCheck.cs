using Lineage.Engine;

namespace Lineage.Engine.Tests;

/// <summary>Checks an op's analytic gradient against central finite differences. The loss is
/// Σ w ⊙ f(x) with fixed random weights w (so every output element gets a distinct upstream
/// gradient); the finite-difference sums are accumulated in double precision.</summary>
public static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-2, double rtol = 2e-2, double atol = 2e-3, int seed = 7)
    {
        foreach (var x in inputs) x.RequiresGrad = true;
        var y = f(inputs);
        var gen = new Generator(seed);
        var w = Tensor.Uniform(gen, -1f, 1f, y.Shape);
        var loss = (y * w).Sum();
        var analytic = Autograd.Grad(loss, inputs);
        for (int k = 0; k < inputs.Length; k++)
        {
            var x = inputs[k];
            var data = x.Data;
            for (int i = 0; i < x.Size; i++)
            {
                float orig = data[i];
                data[i] = orig + (float)eps; double plus = Eval(f, inputs, w);
                data[i] = orig - (float)eps; double minus = Eval(f, inputs, w);
                data[i] = orig;
                double numeric = (plus - minus) / (2 * eps);
                double a = analytic[k].Data[i];
                double tol = atol + rtol * Math.Abs(numeric);
                Assert.True(Math.Abs(a - numeric) <= tol,
                    $"input {k} element {i}: analytic {a:G6} vs numeric {numeric:G6} (tolerance {tol:G3})");
            }
        }
    }

    static double Eval(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor w)
    {
        using var _ = GradMode.NoGrad();
        var y = f(inputs);
        double s = 0;
        for (int i = 0; i < y.Size; i++) s += (double)y.Data[i] * w.Data[i];
        return s;
    }
}
