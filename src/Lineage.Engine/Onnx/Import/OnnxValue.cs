namespace Lineage.Engine.Onnx;

/// <summary>
/// A value flowing along an edge of an imported graph: either a float tensor of the engine (the
/// differentiable path: every op on it is an engine op, so autograd runs through the graph) or an
/// integer/boolean tensor (shape arithmetic such as Shape → Gather → Concat → Reshape), which is
/// evaluated on plain arrays and never reaches the engine.
/// </summary>
internal sealed class OnnxValue
{
    public Tensor? Float { get; }
    public long[]? Ints { get; }
    /// <summary>Shape of the integer data (the float tensor has its own).</summary>
    readonly int[]? intShape;
    public bool IsBool { get; }

    OnnxValue(Tensor? f, long[]? ints, int[]? shape, bool isBool)
    {
        Float = f; Ints = ints; intShape = shape; IsBool = isBool;
    }

    public static OnnxValue Of(Tensor t) => new(t, null, null, false);

    public static OnnxValue OfInts(long[] data, int[] shape, bool isBool = false)
    {
        if (Tensor.ShapeSize(shape) != data.Length) throw new ArgumentException($"{data.Length} integers do not fill shape {Tensor.FormatShape(shape)}");
        return new(null, data, shape, isBool);
    }

    public static OnnxValue Vector(params long[] data) => OfInts(data, [data.Length]);

    public bool IsFloat => Float != null;
    public int[] Shape => Float?.Shape ?? intShape!;
    public int Rank => Shape.Length;
    public int Size => Float?.Size ?? Ints!.Length;

    public string Describe() => (IsFloat ? "float" : IsBool ? "bool" : "int") + Tensor.FormatShape(Shape);

    /// <summary>The integer data as ints (for shapes, axes, pads); a float tensor is accepted when it
    /// holds whole numbers, since some exporters store such constants as floats.</summary>
    public long[] AsLongs()
    {
        if (Ints != null) return Ints;
        var d = Float!.Span;
        var r = new long[d.Length];
        for (int i = 0; i < r.Length; i++) r[i] = (long)d[i];
        return r;
    }

    public int[] AsInts()
    {
        var l = AsLongs();
        var r = new int[l.Length];
        for (int i = 0; i < l.Length; i++) r[i] = (int)Math.Clamp(l[i], int.MinValue, int.MaxValue);
        return r;
    }

    /// <summary>The value as a float tensor; integers are converted (Cast to float, and graph outputs).</summary>
    public Tensor ToFloat()
    {
        if (Float != null) return Float;
        var data = new float[Ints!.Length];
        for (int i = 0; i < data.Length; i++) data[i] = Ints[i];
        return Tensor.FromArray(data, (int[])intShape!.Clone());
    }

    public float ScalarFloat()
    {
        if (Size != 1) throw new InvalidDataException($"expected a single value, got {Describe()}");
        return Float != null ? Float.Span[0] : Ints![0];
    }
}
