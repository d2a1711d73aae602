namespace Lineage.Engine;

/// <summary>Reverse-mode differentiation over the graph recorded by ops.</summary>
public static class Autograd
{
    /// <summary>Backpropagates from <paramref name="output"/> and accumulates into <c>.Grad</c> of every
    /// leaf that requires grad. A non-scalar output needs an upstream gradient of its shape.</summary>
    public static void Backward(this Tensor output, Tensor? gradOutput = null)
    {
        var grads = Run(output, gradOutput, targets: null, out _);
        foreach (var (t, g) in grads)
        {
            if (!t.IsLeaf || !t.RequiresGrad) continue;
            if (t.Grad == null) t.Grad = g.ClonePooledUntracked();
            else Kernels.Elementwise.AddInPlace(t.Grad.Span, g.Span);
        }
    }

    /// <summary>Gradients of <paramref name="output"/> with respect to <paramref name="inputs"/>,
    /// leaving every <c>.Grad</c> untouched. Inputs not reached get zeros.</summary>
    public static Tensor[] Grad(Tensor output, IReadOnlyList<Tensor> inputs, Tensor? gradOutput = null)
    {
        var grads = Run(output, gradOutput, new HashSet<Tensor>(inputs, ReferenceEqualityComparer.Instance), out var shared);
        var result = new Tensor[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
            result[i] = !grads.TryGetValue(inputs[i], out var g) ? Tensor.Zeros(inputs[i].Shape)
                : shared.Contains(g) || g.ViewBase != null ? g.Clone() : g;
        return result;
    }

    /// <summary>The gradient of every node on the way back. A gradient an op passes through unchanged (the
    /// sum's, a reshape's view) is not copied: it is marked shared, and a second contribution to a shared
    /// gradient is summed into a new tensor instead of added in place (one pass instead of a copy and an add).
    /// Gradients no other entry holds are summed in place, in parallel.</summary>
    static Dictionary<Tensor, Tensor> Run(Tensor output, Tensor? gradOutput, HashSet<Tensor>? targets, out HashSet<Tensor> shared)
    {
        if (!output.RequiresGrad) throw new InvalidOperationException("the output does not require grad: no input on its path requires grad, or it was computed under NoGrad");
        if (gradOutput == null)
        {
            if (output.Size != 1) throw new InvalidOperationException($"backward from a non-scalar of shape {Tensor.FormatShape(output.Shape)} needs an upstream gradient");
            gradOutput = Tensor.Ones(output.Shape);
        }
        else if (!gradOutput.SameShape(output))
            throw new ArgumentException($"upstream gradient shape {Tensor.FormatShape(gradOutput.Shape)} differs from output shape {Tensor.FormatShape(output.Shape)}");

        var order = TopologicalOrder(output, targets);
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance) { [output] = gradOutput };
        shared = new HashSet<Tensor>(ReferenceEqualityComparer.Instance) { gradOutput };
        using var _ = GradMode.NoGrad();
        var outer = running;
        running = (grads, shared);
        try
        {
            for (int i = order.Count - 1; i >= 0; i--)
            {
                var node = order[i];
                if (node.BackwardFn == null || !grads.TryGetValue(node, out var g)) continue;
                var parentGrads = node.BackwardFn(g);
                var parents = node.Parents!;
                for (int p = 0; p < parents.Length; p++)
                {
                    var pg = parentGrads[p];
                    var parent = parents[p];
                    if (pg == null || !parent.RequiresGrad) continue;
                    if (!pg.SameShape(parent)) throw new InvalidOperationException($"internal error: op {node.Op} returned a gradient of shape {Tensor.FormatShape(pg.Shape)} for an input of shape {Tensor.FormatShape(parent.Shape)}");
                    if (grads.TryGetValue(parent, out var acc))
                    {
                        // the op added its part into the gradient PendingGradient gave it
                        if (ReferenceEquals(acc, pg) && !shared.Contains(acc)) continue;
                        if (shared.Contains(acc) || acc.ViewBase != null) grads[parent] = acc + pg;
                        else AddInPlace(acc, pg);
                    }
                    else
                    {
                        grads[parent] = pg;
                        if (ReferenceEquals(pg, g) || pg.ViewBase != null || shared.Contains(pg) || Repeats(parentGrads, p)) shared.Add(pg);
                    }
                }
                if (targets == null || !targets.Contains(node)) grads.Remove(node);
            }
        }
        finally { running = outer; }
        return grads;
    }

    /// <summary>Tests switch this off to compare against the gradients summed by the engine.</summary>
    internal static bool OffersPendingGradients = true;

    /// <summary>The gradients of the backward pass running on this thread (a backward function may run another one).</summary>
    [ThreadStatic] static (Dictionary<Tensor, Tensor> Grads, HashSet<Tensor> Shared)? running;

    /// <summary>For a backward function: the gradient summed so far for its input <paramref name="input"/>, when the
    /// op may add its own part into it instead of returning a new tensor; null when there is none yet, or when
    /// it is shared with another node (an op passed it through) or a view. An op that adds into it returns this
    /// tensor as that input's gradient, and the engine then adds nothing: a residual block's input gradient is its
    /// convolution's input gradient plus the shortcut's, and the convolution can add the shortcut's as it stores
    /// its own, instead of a separate pass reading both and writing their sum.</summary>
    internal static Tensor? PendingGradient(Tensor input)
    {
        if (!OffersPendingGradients || running is not var (grads, shared) || !grads.TryGetValue(input, out var acc)) return null;
        return shared.Contains(acc) || acc.ViewBase != null ? null : acc;
    }

    /// <summary>True when the gradient at index p is also returned for another parent.</summary>
    static bool Repeats(Tensor?[] grads, int p)
    {
        for (int q = 0; q < grads.Length; q++)
            if (q != p && ReferenceEquals(grads[q], grads[p])) return true;
        return false;
    }

    static void AddInPlace(Tensor acc, Tensor x)
    {
        float[] a = acc.Data, b = x.Data;
        Par.For(acc.Size, 1, (s, e) => Kernels.Elementwise.AddInPlace(a.AsSpan(s, e - s), b.AsSpan(s, e - s)));
    }

    /// <summary>Nodes reachable from the output through tensors that require grad, parents first.
    /// With targets, only nodes on a path to a target are kept, so no work is spent on other leaves.</summary>
    static List<Tensor> TopologicalOrder(Tensor output, HashSet<Tensor>? targets)
    {
        var order = new List<Tensor>();
        var state = new Dictionary<Tensor, bool>(ReferenceEqualityComparer.Instance); // false = visiting, true = done
        var reaches = new Dictionary<Tensor, bool>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor node, int next)>();
        stack.Push((output, 0));
        state[output] = false;
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            var parents = node.Parents;
            if (parents != null && next < parents.Length)
            {
                stack.Push((node, next + 1));
                var p = parents[next];
                if (p.RequiresGrad && !state.ContainsKey(p)) { state[p] = false; stack.Push((p, 0)); }
                continue;
            }
            state[node] = true;
            bool r = targets == null || targets.Contains(node);
            if (!r && parents != null) foreach (var p in parents) if (reaches.TryGetValue(p, out var pr) && pr) { r = true; break; }
            reaches[node] = r;
            if (r) order.Add(node);
        }
        return order;
    }
}
