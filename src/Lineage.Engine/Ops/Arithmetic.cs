using Lineage.Engine.Kernels;

namespace Lineage.Engine;

/// <summary>+ − × ÷ with broadcasting, and their scalar forms.</summary>
public sealed partial class Tensor
{
    static Tensor BinaryRaw<TOp>(Tensor a, Tensor b, string name) where TOp : IBinary
    {
        var o = Empty(Broadcast.ResultShape(a.Shape, b.Shape, name));
        Broadcast.Apply<TOp>(a, b, o);
        return o;
    }

    public static Tensor Add(Tensor a, Tensor b)
    {
        var o = BinaryRaw<AddOp>(a, b, "add");
        return FromOp(o, "add", [a, b], g => [
            a.RequiresGrad ? Broadcast.SumTo(g, a.Shape) : null,
            b.RequiresGrad ? Broadcast.SumTo(g, b.Shape) : null]);
    }

    public static Tensor Sub(Tensor a, Tensor b)
    {
        var o = BinaryRaw<SubOp>(a, b, "sub");
        return FromOp(o, "sub", [a, b], g => [
            a.RequiresGrad ? Broadcast.SumTo(g, a.Shape) : null,
            b.RequiresGrad ? Broadcast.SumTo(g.NegRaw(), b.Shape) : null]);
    }

    public static Tensor Mul(Tensor a, Tensor b)
    {
        var o = BinaryRaw<MulOp>(a, b, "mul");
        return FromOp(o, "mul", [a, b], g => [
            a.RequiresGrad ? Broadcast.SumTo(BinaryRaw<MulOp>(g, b, "mul"), a.Shape) : null,
            b.RequiresGrad ? Broadcast.SumTo(BinaryRaw<MulOp>(g, a, "mul"), b.Shape) : null]);
    }

    public static Tensor Div(Tensor a, Tensor b)
    {
        var o = BinaryRaw<DivOp>(a, b, "div");
        return FromOp(o, "div", [a, b], g =>
        {
            Tensor? ga = null, gb = null;
            if (a.RequiresGrad) ga = Broadcast.SumTo(BinaryRaw<DivOp>(g, b, "div"), a.Shape);
            if (b.RequiresGrad)
            {
                // d(a/b)/db = -(a/b)/b
                var t = BinaryRaw<DivOp>(BinaryRaw<MulOp>(g, o, "mul"), b, "div");
                gb = Broadcast.SumTo(t.NegRaw(), b.Shape);
            }
            return [ga, gb];
        });
    }

    /// <summary>Elementwise maximum; the gradient goes to a where a ≥ b, else to b.</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Where(GreaterEqualMask(a, b), a, b);
    /// <summary>Elementwise minimum; the gradient goes to a where a ≤ b, else to b.</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Where(GreaterEqualMask(b, a), a, b);

    internal Tensor NegRaw()
    {
        var o = Empty(Shape);
        Elementwise.BinaryScalarLeft<SubOp>(0f, Span, o.Span);
        return o;
    }

    public Tensor Neg() { var o = NegRaw(); return FromOp(o, "neg", [this], g => [g.NegRaw()]); }

    public Tensor Add(float s)
    {
        var o = Empty(Shape);
        var src = Data; var dst = o.Data;
        Par.For(Size, 1, (a, e) => Elementwise.BinaryScalarRight<AddOp>(src.AsSpan(a, e - a), s, dst.AsSpan(a, e - a)));
        return FromOp(o, "add_scalar", [this], g => [g], new ScalarArgs(s));
    }

    public Tensor Mul(float s)
    {
        var o = ScaleRaw(s);
        return FromOp(o, "mul_scalar", [this], g => [g.ScaleRaw(s)], new ScalarArgs(s));
    }

    internal Tensor ScaleRaw(float s)
    {
        var o = Empty(Shape);
        var src = Data; var dst = o.Data;
        Par.For(Size, 1, (a, e) => Elementwise.BinaryScalarRight<MulOp>(src.AsSpan(a, e - a), s, dst.AsSpan(a, e - a)));
        return o;
    }

    public Tensor Sub(float s) => Add(-s);
    public Tensor Div(float s) => Mul(1f / s);

    /// <summary>s − x.</summary>
    public Tensor RSub(float s)
    {
        var o = Empty(Shape);
        Elementwise.BinaryScalarLeft<SubOp>(s, Span, o.Span);
        return FromOp(o, "rsub", [this], g => [g.NegRaw()], new ScalarArgs(s));
    }

    public static Tensor operator +(Tensor a, Tensor b) => Add(a, b);
    public static Tensor operator -(Tensor a, Tensor b) => Sub(a, b);
    public static Tensor operator *(Tensor a, Tensor b) => Mul(a, b);
    public static Tensor operator /(Tensor a, Tensor b) => Div(a, b);
    public static Tensor operator -(Tensor a) => a.Neg();
    public static Tensor operator +(Tensor a, float s) => a.Add(s);
    public static Tensor operator +(float s, Tensor a) => a.Add(s);
    public static Tensor operator -(Tensor a, float s) => a.Add(-s);
    public static Tensor operator -(float s, Tensor a) => a.RSub(s);
    public static Tensor operator *(Tensor a, float s) => a.Mul(s);
    public static Tensor operator *(float s, Tensor a) => a.Mul(s);
    public static Tensor operator /(Tensor a, float s) => a.Mul(1f / s);
    public static Tensor operator /(float s, Tensor a) => Div(Full(s), a);
}
