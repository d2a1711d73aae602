using System.Runtime.Intrinsics;

namespace Lineage.Engine;

/// <summary>An elementwise function with its derivative written from the input x and output y.</summary>
internal interface IUnary
{
    static abstract float F(float x);
    static abstract float D(float x, float y);
}

internal struct ExpFn : IUnary { public static float F(float x) => MathF.Exp(x); public static float D(float x, float y) => y; }
internal struct LogFn : IUnary { public static float F(float x) => MathF.Log(x); public static float D(float x, float y) => 1f / x; }
internal struct SqrtFn : IUnary { public static float F(float x) => MathF.Sqrt(x); public static float D(float x, float y) => 0.5f / y; }
internal struct AbsFn : IUnary { public static float F(float x) => MathF.Abs(x); public static float D(float x, float y) => x > 0 ? 1f : x < 0 ? -1f : 0f; }
internal struct SigmoidFn : IUnary
{
    public static float F(float x) => x >= 0 ? 1f / (1f + MathF.Exp(-x)) : MathF.Exp(x) / (1f + MathF.Exp(x));
    public static float D(float x, float y) => y * (1f - y);
}
internal struct TanhFn : IUnary { public static float F(float x) => MathF.Tanh(x); public static float D(float x, float y) => 1f - y * y; }
internal struct SiluFn : IUnary
{
    public static float F(float x) => x * SigmoidFn.F(x);
    public static float D(float x, float y) { float s = SigmoidFn.F(x); return s * (1f + x * (1f - s)); }
}
/// <summary>Exact GELU (PyTorch's default, approximate='none').</summary>
internal struct GeluFn : IUnary
{
    const float InvSqrt2 = 0.70710678118654752f;
    const float InvSqrt2Pi = 0.39894228040143268f;
    public static float F(float x) => 0.5f * x * (1f + Erf(x * InvSqrt2));
    public static float D(float x, float y) => 0.5f * (1f + Erf(x * InvSqrt2)) + x * InvSqrt2Pi * MathF.Exp(-0.5f * x * x);

    /// <summary>erf with |error| &lt; 1.2e-7 (Numerical Recipes erfc Chebyshev fit), computed in double.</summary>
    internal static float Erf(float xf)
    {
        double x = xf, z = Math.Abs(x), t = 1.0 / (1.0 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
                   t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return (float)(x >= 0 ? 1 - r : r - 1);
    }
}

/// <summary>The error function (ONNX's Erf; exact GELU is written with it), d/dx erf(x) = 2/√π · e^(−x²).</summary>
internal struct ErfFn : IUnary
{
    const float TwoOverSqrtPi = 1.12837916709551257f;
    public static float F(float x) => GeluFn.Erf(x);
    public static float D(float x, float y) => TwoOverSqrtPi * MathF.Exp(-x * x);
}

/// <summary>softplus(x) = log(1 + eˣ), written max(x, 0) + log(1 + e^−|x|) so that it neither overflows nor loses
/// small values; its derivative is the sigmoid. Mish is x · tanh(softplus(x)).</summary>
internal struct SoftplusFn : IUnary
{
    public static float F(float x) => MathF.Max(x, 0f) + (float)Math.Log(1.0 + Math.Exp(-Math.Abs(x)));
    public static float D(float x, float y) => SigmoidFn.F(x);
}

/// <summary>Elementwise math and activations.</summary>
public sealed partial class Tensor
{
    Tensor UnaryOp<TF>(string name) where TF : IUnary
    {
        var o = Empty(Shape);
        var x = Data; var y = o.Data;
        Par.For(Size, 8, (s, e) => { for (int i = s; i < e; i++) y[i] = TF.F(x[i]); });
        return FromOp(o, name, [this], g =>
        {
            var gi = Empty(Shape);
            var gd = g.Data; var gid = gi.Data;
            Par.For(Size, 8, (s, e) => { for (int i = s; i < e; i++) gid[i] = gd[i] * TF.D(x[i], y[i]); });
            return [gi];
        });
    }

    public Tensor Exp() => UnaryOp<ExpFn>("exp");
    public Tensor Log() => UnaryOp<LogFn>("log");
    public Tensor Sqrt() => UnaryOp<SqrtFn>("sqrt");
    public Tensor Abs() => UnaryOp<AbsFn>("abs");
    public Tensor Sigmoid() => UnaryOp<SigmoidFn>("sigmoid");
    public Tensor Tanh() => UnaryOp<TanhFn>("tanh");
    public Tensor Silu() => UnaryOp<SiluFn>("silu");
    public Tensor Gelu() => UnaryOp<GeluFn>("gelu");
    public Tensor Erf() => UnaryOp<ErfFn>("erf");
    public Tensor Softplus() => UnaryOp<SoftplusFn>("softplus");

    public Tensor Square() => Mul(this, this);

    /// <summary>x^p for a constant exponent.</summary>
    public Tensor Pow(float p)
    {
        var o = Empty(Shape);
        var x = Data; var y = o.Data;
        Par.For(Size, 8, (s, e) => { for (int i = s; i < e; i++) y[i] = MathF.Pow(x[i], p); });
        return FromOp(o, "pow", [this], g =>
        {
            var gi = Empty(Shape);
            var gd = g.Data; var gid = gi.Data;
            Par.For(Size, 8, (s, e) => { for (int i = s; i < e; i++) gid[i] = gd[i] * p * MathF.Pow(x[i], p - 1); });
            return [gi];
        }, new ScalarArgs(p));
    }

    /// <summary>Elementwise a^b for tensors (broadcast); defined for a &gt; 0 where b needs a gradient.</summary>
    public static Tensor Pow(Tensor a, Tensor b) => (b * a.Log()).Exp();

    /// <summary>max(x, 0), vectorised; the gradient at 0 is 0 as in PyTorch.</summary>
    public Tensor Relu()
    {
        var o = Empty(Shape);
        var x = Data; var y = o.Data;
        Par.For(Size, 1, (s, e) => Kernels.Elementwise.BinaryScalarRight<Kernels.MaxOp>(x.AsSpan(s, e - s), 0f, y.AsSpan(s, e - s)));
        return FromOp(o, "relu", [this], g =>
        {
            var gi = Empty(Shape);
            var gd = g.Data; var gid = gi.Data;
            Par.For(Size, 1, (s, e) => ReluBackward(y.AsSpan(s, e - s), gd.AsSpan(s, e - s), gid.AsSpan(s, e - s)));
            return [gi];
        });
    }

    static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> o)
    {
        int i = 0, n = o.Length;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16)
            {
                var m = Vector512.GreaterThan(Vector512.Create(y.Slice(i, 16)), Vector512<float>.Zero);
                Vector512.ConditionalSelect(m, Vector512.Create(g.Slice(i, 16)), Vector512<float>.Zero).CopyTo(o.Slice(i, 16));
            }
        for (; i < n; i++) o[i] = y[i] > 0 ? g[i] : 0f;
    }

    public Tensor LeakyRelu(float negativeSlope = 0.01f)
    {
        var o = Empty(Shape);
        var x = Data; var y = o.Data;
        Par.For(Size, 2, (s, e) => { for (int i = s; i < e; i++) y[i] = x[i] > 0 ? x[i] : negativeSlope * x[i]; });
        return FromOp(o, "leaky_relu", [this], g =>
        {
            var gi = Empty(Shape);
            var gd = g.Data; var gid = gi.Data;
            Par.For(Size, 2, (s, e) => { for (int i = s; i < e; i++) gid[i] = x[i] > 0 ? gd[i] : negativeSlope * gd[i]; });
            return [gi];
        }, new ScalarArgs(negativeSlope));
    }

    public Tensor Elu(float alpha = 1f)
    {
        var o = Empty(Shape);
        var x = Data; var y = o.Data;
        Par.For(Size, 8, (s, e) => { for (int i = s; i < e; i++) y[i] = x[i] > 0 ? x[i] : alpha * (MathF.Exp(x[i]) - 1f); });
        return FromOp(o, "elu", [this], g =>
        {
            var gi = Empty(Shape);
            var gd = g.Data; var gid = gi.Data;
            Par.For(Size, 2, (s, e) => { for (int i = s; i < e; i++) gid[i] = x[i] > 0 ? gd[i] : gd[i] * (y[i] + alpha); });
            return [gi];
        }, new ScalarArgs(alpha));
    }

    /// <summary>PReLU with one slope per channel (dimension 1) or a single shared slope.</summary>
    public Tensor Prelu(Tensor weight)
    {
        int channels = weight.Size;
        if (channels != 1 && (Rank < 2 || Shape[1] != channels))
            throw new ArgumentException($"prelu: {channels} slopes for input of shape {FormatShape(Shape)}; expected 1 or one per channel (dimension 1)");
        int inner = 1;
        for (int d = 2; d < Rank; d++) inner *= Shape[d];
        int c = Rank >= 2 ? Shape[1] : 1;
        var o = Empty(Shape);
        var x = Data; var y = o.Data; var w = weight.Data;
        int n = Size;
        for (int i = 0; i < n; i++)
        {
            float a = channels == 1 ? w[0] : w[(i / inner) % c];
            y[i] = x[i] > 0 ? x[i] : a * x[i];
        }
        return FromOp(o, "prelu", [this, weight], g =>
        {
            var gd = g.Data;
            Tensor? gx = null, gw = null;
            if (RequiresGrad)
            {
                gx = Empty(Shape);
                var d = gx.Data;
                for (int i = 0; i < n; i++)
                {
                    float a = channels == 1 ? w[0] : w[(i / inner) % c];
                    d[i] = x[i] > 0 ? gd[i] : a * gd[i];
                }
            }
            if (weight.RequiresGrad)
            {
                gw = Zeros(weight.Shape);
                var d = gw.Data;
                for (int i = 0; i < n; i++) if (x[i] <= 0) d[channels == 1 ? 0 : (i / inner) % c] += gd[i] * x[i];
            }
            return [gx, gw];
        });
    }

    /// <summary>Clamps to [min, max]; the gradient passes only where the value was inside.</summary>
    public Tensor Clamp(float min = float.NegativeInfinity, float max = float.PositiveInfinity)
    {
        var o = Empty(Shape);
        var x = Data; var y = o.Data;
        Par.For(Size, 2, (s, e) => { for (int i = s; i < e; i++) y[i] = Math.Clamp(x[i], min, max); });
        return FromOp(o, "clamp", [this], g =>
        {
            var gi = Empty(Shape);
            var gd = g.Data; var gid = gi.Data;
            Par.For(Size, 2, (s, e) => { for (int i = s; i < e; i++) gid[i] = x[i] >= min && x[i] <= max ? gd[i] : 0f; });
            return [gi];
        }, new ClampArgs(min, max));
    }

    /// <summary>Elementwise sign (no gradient).</summary>
    public Tensor Sign()
    {
        var o = Empty(Shape);
        var x = Data; var y = o.Data;
        for (int i = 0; i < Size; i++) y[i] = x[i] > 0 ? 1f : x[i] < 0 ? -1f : 0f;
        return o;
    }
}
