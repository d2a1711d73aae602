namespace Lineage.Engine.Optim;

/// <summary>torch.optim.RMSprop: square_avg, optional centring (grad_avg) and momentum_buffer, eps added
/// outside the square root as PyTorch does.</summary>
public sealed class RmsProp : Optimizer
{
    public RmsProp(IEnumerable<ParamGroup> paramGroups, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false)
        : base(paramGroups, g =>
        {
            g.Lr ??= lr; g.Alpha ??= alpha; g.Eps ??= eps; g.WeightDecay ??= weightDecay; g.Momentum ??= momentum; g.Centered ??= centered;
            if (g.Alpha < 0) throw new ArgumentOutOfRangeException(nameof(alpha), $"invalid alpha {g.Alpha}");
            if (g.Momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), $"invalid momentum {g.Momentum}");
        })
    { }

    public RmsProp(IEnumerable<Tensor> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false)
        : this(OneGroup(parameters), lr, alpha, eps, weightDecay, momentum, centered) { }

    protected override void Update(ParamGroup group, Tensor param, Tensor grad, ParamState state)
    {
        double momentum = group.Momentum!.Value;
        var sq = state.Get("square_avg", param.Shape).Data;
        var buf = momentum > 0 ? state.Get("momentum_buffer", param.Shape).Data : null;
        var gradAvg = group.Centered!.Value ? state.Get("grad_avg", param.Shape).Data : null;
        state.Step++;
        UpdateKernels.RmsProp(param.Data, grad.Data, sq, gradAvg, buf, param.Size, (float)group.Lr!.Value, (float)group.Alpha!.Value,
            (float)group.Eps!.Value, (float)group.WeightDecay!.Value, (float)momentum);
    }
}
