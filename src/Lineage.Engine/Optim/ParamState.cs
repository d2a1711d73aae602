namespace Lineage.Engine.Optim;

/// <summary>Per-parameter optimiser state: the step count and named buffers (momentum_buffer, exp_avg, ...),
/// all Persistent so no TensorScope frees them between steps.</summary>
public sealed class ParamState
{
    public long Step { get; set; }
    public Dictionary<string, Tensor> Buffers { get; } = new();

    /// <summary>The named buffer, created as zeros of the parameter's shape the first time.</summary>
    public Tensor Get(string name, int[] shape, out bool created)
    {
        created = !Buffers.TryGetValue(name, out var t);
        if (created) Buffers[name] = t = Tensor.Persistent(shape);
        return t!;
    }

    public Tensor Get(string name, int[] shape) => Get(name, shape, out _);
}
