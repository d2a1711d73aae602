namespace Lineage.Engine;

/// <summary>
/// An arena for temporaries: every tensor created on this thread while the scope is open is
/// released to <see cref="BufferPool"/> when the scope is disposed, unless it was kept with
/// <see cref="Keep"/>. Wrap one training step or one inference batch in a scope to keep memory flat.
/// Parameters, gradients of leaves and optimiser state are never tracked.
/// Using a released tensor throws <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] static TensorScope? current;
    readonly TensorScope? parent;
    readonly List<Tensor> owned = new();
    bool disposed;

    TensorScope() { parent = current; current = this; }

    public static TensorScope Begin() => new();

    internal static void Track(Tensor t) => current?.owned.Add(t);

    /// <summary>Moves a tensor (and the buffer it views) out of this scope into the enclosing one
    /// (or out of all scopes).</summary>
    public Tensor Keep(Tensor tensor)
    {
        Tensor? t = tensor;
        while (t != null)
        {
            if (owned.Remove(t)) parent?.owned.Add(t);
            t = t.ViewBase;
        }
        return tensor;
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (current != this) throw new InvalidOperationException("TensorScopes must be disposed in the reverse order they were opened");
        current = parent;
        foreach (var t in owned) t.Release();
        owned.Clear();
    }
}
