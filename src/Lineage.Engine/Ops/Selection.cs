namespace Lineage.Engine;

/// <summary>Masks (0/1 tensors) and selection.</summary>
public sealed partial class Tensor
{
    static Tensor CompareRaw(Tensor a, Tensor b, Func<float, float, bool> cmp)
    {
        var shape = Broadcast.ResultShape(a.Shape, b.Shape, "compare");
        var ea = ExpandRaw(a, shape); var eb = ExpandRaw(b, shape);
        var o = Empty(shape);
        var ad = ea.Data; var bd = eb.Data; var od = o.Data;
        for (int i = 0; i < o.Size; i++) od[i] = cmp(ad[i], bd[i]) ? 1f : 0f;
        return o;
    }

    public static Tensor GreaterMask(Tensor a, Tensor b) => CompareRaw(a, b, (x, y) => x > y);
    public static Tensor GreaterEqualMask(Tensor a, Tensor b) => CompareRaw(a, b, (x, y) => x >= y);
    public static Tensor LessMask(Tensor a, Tensor b) => CompareRaw(a, b, (x, y) => x < y);
    public static Tensor EqualMask(Tensor a, Tensor b) => CompareRaw(a, b, (x, y) => x == y);
    public Tensor GreaterMask(float s) => CompareRaw(this, Full(s), (x, y) => x > y);
    public Tensor LessMask(float s) => CompareRaw(this, Full(s), (x, y) => x < y);

    /// <summary>mask ? a : b elementwise (mask is nonzero = true), with broadcasting.</summary>
    public static Tensor Where(Tensor mask, Tensor a, Tensor b)
    {
        var shape = Broadcast.ResultShape(Broadcast.ResultShape(mask.Shape, a.Shape, "where"), b.Shape, "where");
        var m = ExpandRaw(mask, shape); var ea = ExpandRaw(a, shape); var eb = ExpandRaw(b, shape);
        var o = Empty(shape);
        var md = m.Data; var ad = ea.Data; var bd = eb.Data; var od = o.Data;
        for (int i = 0; i < o.Size; i++) od[i] = md[i] != 0 ? ad[i] : bd[i];
        return FromOp(o, "where", [a, b], g =>
        {
            Tensor? ga = null, gb = null;
            var gd = g.Data;
            if (a.RequiresGrad)
            {
                var t = Empty(shape); var td = t.Data;
                for (int i = 0; i < td.Length && i < o.Size; i++) td[i] = md[i] != 0 ? gd[i] : 0f;
                ga = Broadcast.SumTo(t, a.Shape);
            }
            if (b.RequiresGrad)
            {
                var t = Empty(shape); var td = t.Data;
                for (int i = 0; i < o.Size; i++) td[i] = md[i] != 0 ? 0f : gd[i];
                gb = Broadcast.SumTo(t, b.Shape);
            }
            return [ga, gb];
        });
    }

    /// <summary>One-hot rows of width <paramref name="classes"/> for integer labels.</summary>
    public static Tensor OneHot(int[] labels, int classes)
    {
        var o = Zeros(labels.Length, classes);
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes) throw new ArgumentOutOfRangeException(nameof(labels), $"label {labels[i]} at position {i} is outside 0..{classes - 1}");
            o.Data[i * classes + labels[i]] = 1f;
        }
        return o;
    }
}
