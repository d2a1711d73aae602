using System.Runtime.CompilerServices;
using System.Text;

namespace Lineage.Engine;

/// <summary>
/// A dense, contiguous, row-major float32 N-d array (images are NCHW) that may take part in
/// reverse-mode autograd. Every tensor is contiguous: shape ops that cannot be a view copy.
/// The op that made a tensor keeps its parents and a backward function beside it
/// (see <c>Ops/</c>: each op's forward and backward are written side by side).
/// </summary>
public sealed partial class Tensor
{
    float[] data;
    bool released;

    /// <summary>The elements, row-major. Its length may exceed <see cref="Size"/> only for wrapped arrays.</summary>
    public float[] Data => released ? throw new ObjectDisposedException("Tensor", "this tensor's buffer was released when its TensorScope ended; Keep() it to use it afterwards") : data;
    public int[] Shape { get; }
    public int Size { get; }
    public int Rank => Shape.Length;
    public Span<float> Span => Data.AsSpan(0, Size);

    bool requiresGrad;
    /// <summary>Whether gradients flow to this tensor. Only leaves may be switched; an op's result
    /// requires grad when any of its inputs does (and grad mode is on).</summary>
    public bool RequiresGrad
    {
        get => requiresGrad;
        set
        {
            if (!IsLeaf && !value) throw new InvalidOperationException("cannot stop gradients of a non-leaf tensor in place; use Detach()");
            requiresGrad = value;
        }
    }

    /// <summary>Accumulated gradient of a leaf after <c>Backward()</c>.</summary>
    public Tensor? Grad { get; set; }
    /// <summary>Name of the op that produced this tensor (null for leaves).</summary>
    public string? Op { get; private set; }
    public bool IsLeaf => Parents == null;

    internal Tensor[]? Parents;
    /// <summary>Given the gradient of the loss w.r.t. this tensor, returns the gradients w.r.t. each
    /// parent (null where a parent needs none).</summary>
    internal Func<Tensor, Tensor?[]>? BackwardFn;
    /// <summary>Settings of the recorded op (see <see cref="OpArgs"/>); null for leaves and ops without any.</summary>
    internal OpArgs? Args;
    /// <summary>For views (reshape), the tensor whose buffer this one shares.</summary>
    internal Tensor? ViewBase;
    bool pooled;

    internal Tensor(float[] data, int[] shape, bool pooled, bool track = true)
    {
        this.data = data;
        Shape = shape;
        Size = ShapeSize(shape);
        if (data.Length < Size) throw new ArgumentException($"buffer of {data.Length} floats is too small for shape {FormatShape(shape)}");
        this.pooled = pooled;
        if (pooled && track) TensorScope.Track(this);
    }

    internal static int ShapeSize(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension in shape {FormatShape(shape.ToArray())}");
            n *= d;
        }
        if (n > Array.MaxLength) throw new ArgumentException($"shape {FormatShape(shape.ToArray())} has too many elements");
        return (int)n;
    }

    internal void Release()
    {
        if (released) return;
        released = true;
        if (pooled && ViewBase == null) BufferPool.Return(data);
        data = Array.Empty<float>();
    }

    // ---------- creation ----------

    /// <summary>Uninitialised tensor from the buffer pool (tracked by the current <see cref="TensorScope"/>).</summary>
    public static Tensor Empty(params int[] shape) => new(BufferPool.Rent(ShapeSize(shape)), (int[])shape.Clone(), pooled: true);

    public static Tensor Zeros(params int[] shape) { var t = Empty(shape); t.Span.Clear(); return t; }
    public static Tensor Ones(params int[] shape) => Full(1f, shape);
    public static Tensor Full(float value, params int[] shape) { var t = Empty(shape); t.Span.Fill(value); return t; }
    public static Tensor ZerosLike(Tensor t) => Zeros(t.Shape);
    public static Tensor OnesLike(Tensor t) => Ones(t.Shape);
    public static Tensor Scalar(float value) => Full(value);

    /// <summary>A tensor that no scope tracks and never returns to the pool: for parameters, gradients
    /// of leaves, optimiser state and anything long-lived.</summary>
    public static Tensor Persistent(params int[] shape)
    {
        int size = ShapeSize(shape);
        PersistentBudget.Take(size);
        return new(new float[size], (int[])shape.Clone(), pooled: false);
    }

    /// <summary>A copy in a pooled buffer that no scope tracks: for leaf gradients, which live until
    /// <see cref="DropGrad"/> hands the buffer back, so a training loop's gradients reuse the same memory.</summary>
    internal Tensor ClonePooledUntracked()
    {
        var t = new Tensor(BufferPool.Rent(Size), (int[])Shape.Clone(), pooled: true, track: false);
        Span.CopyTo(t.Span);
        return t;
    }

    /// <summary>Sets <see cref="Grad"/> to null (PyTorch's zero_grad(set_to_none=True)) and returns a
    /// gradient buffer that backward allocated to the pool. Do not keep references to a dropped gradient.</summary>
    public void DropGrad()
    {
        var g = Grad;
        Grad = null;
        if (g != null && g.pooled && g.ViewBase == null) g.Release();
    }

    /// <summary>Wraps an array without copying (the tensor sees later changes to it).</summary>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        if (shape.Length == 0 && data.Length != 1) shape = [data.Length];
        int n = ShapeSize(shape);
        if (data.Length != n) throw new ArgumentException($"{data.Length} values do not fill shape {FormatShape(shape)} ({n} elements)");
        return new Tensor(data, (int[])shape.Clone(), pooled: false);
    }

    public static Tensor FromArray(float[,] data)
    {
        int r = data.GetLength(0), c = data.GetLength(1);
        var t = Persistent(r, c);
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) t.data[i * c + j] = data[i, j];
        return t;
    }

    public static Tensor Arange(float start, float end, float step = 1f)
    {
        if (step == 0) throw new ArgumentException("step must not be zero");
        int n = Math.Max(0, (int)Math.Ceiling((end - start) / step));
        var t = Empty(n);
        for (int i = 0; i < n; i++) t.data[i] = start + i * step;
        return t;
    }

    public static Tensor Arange(int n) => Arange(0, n);

    /// <summary>Standard normal samples from a seeded generator.</summary>
    public static Tensor Randn(Generator gen, params int[] shape)
    {
        var t = Empty(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (float)gen.NextNormal();
        return t;
    }

    /// <summary>Uniform samples in [low, high) from a seeded generator.</summary>
    public static Tensor Uniform(Generator gen, float low, float high, params int[] shape)
    {
        var t = Empty(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = low + (high - low) * gen.NextFloat();
        return t;
    }

    public static Tensor Rand(Generator gen, params int[] shape) => Uniform(gen, 0f, 1f, shape);

    /// <summary>Normal samples with the given mean and standard deviation.</summary>
    public static Tensor Normal(Generator gen, float mean, float std, params int[] shape)
    {
        var t = Randn(gen, shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = mean + std * s[i];
        return t;
    }

    // ---------- graph plumbing ----------

    /// <summary>Builds an op result. It records the parents and backward function only when grad
    /// mode is on and some parent requires grad.</summary>
    internal static Tensor FromOp(Tensor result, string op, Tensor[] parents, Func<Tensor, Tensor?[]> backward, OpArgs? args = null)
    {
        if (!GradMode.IsEnabled) return result;
        bool any = false;
        foreach (var p in parents) if (p.requiresGrad) { any = true; break; }
        if (!any) return result;
        result.Parents = parents;
        result.BackwardFn = backward;
        result.Op = op;
        result.Args = args;
        result.requiresGrad = true;
        return result;
    }

    /// <summary>The same values, cut from the graph (shares the buffer).</summary>
    public Tensor Detach()
    {
        var t = new Tensor(Data, Shape, pooled: false) { ViewBase = this };
        return t;
    }

    /// <summary>A copy of the values in a new buffer, cut from the graph.</summary>
    public Tensor Clone()
    {
        var t = Empty(Shape);
        Span.CopyTo(t.Span);
        return t;
    }

    /// <summary>A copy that no scope will release.</summary>
    public Tensor ClonePersistent()
    {
        var t = Persistent(Shape);
        Span.CopyTo(t.Span);
        return t;
    }

    /// <summary>Marks a leaf as requiring grad and returns it (for fluent use).</summary>
    public Tensor RequireGrad(bool value = true) { RequiresGrad = value; return this; }


    // ---------- access ----------

    public float Item()
    {
        if (Size != 1) throw new InvalidOperationException($"Item() needs a single element, tensor has shape {FormatShape(Shape)}");
        return Data[0];
    }

    [IndexerName("At")]
    public float this[params int[] index]
    {
        get => Data[FlatIndex(index)];
        set => Data[FlatIndex(index)] = value;
    }

    int FlatIndex(int[] index)
    {
        if (index.Length != Rank) throw new ArgumentException($"index of rank {index.Length} for tensor of rank {Rank}");
        int flat = 0;
        for (int i = 0; i < Rank; i++)
        {
            int ix = index[i] < 0 ? index[i] + Shape[i] : index[i];
            if ((uint)ix >= (uint)Shape[i]) throw new IndexOutOfRangeException($"index {index[i]} out of range for dimension {i} of size {Shape[i]}");
            flat = flat * Shape[i] + ix;
        }
        return flat;
    }

    public float[] ToArray() => Span.ToArray();

    /// <summary>Size of dimension <paramref name="axis"/> (negative counts from the end).</summary>
    public int Dim(int axis) => Shape[NormAxis(axis, Rank)];

    internal static int NormAxis(int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if ((uint)a >= (uint)Math.Max(rank, 1)) throw new ArgumentOutOfRangeException(nameof(axis), $"axis {axis} is out of range for a tensor of rank {rank}");
        return a;
    }

    internal static int[] Strides(int[] shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    public static string FormatShape(int[] shape) => "[" + string.Join(", ", shape) + "]";

    public bool SameShape(Tensor other) => Shape.AsSpan().SequenceEqual(other.Shape);

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("Tensor").Append(FormatShape(Shape));
        if (Op != null) sb.Append(" op=").Append(Op);
        if (!released)
        {
            sb.Append(" [");
            int n = Math.Min(Size, 8);
            for (int i = 0; i < n; i++) { if (i > 0) sb.Append(", "); sb.Append(data[i].ToString("G6", System.Globalization.CultureInfo.InvariantCulture)); }
            if (Size > n) sb.Append(", ...");
            sb.Append(']');
        }
        return sb.ToString();
    }
}
