namespace Lineage.Engine.Optim;

/// <summary>torch.optim.SGD: weight decay as L2 on the gradient, momentum buffer initialised to the first
/// (decayed) gradient, dampening on later steps, optional Nesterov.</summary>
public sealed class Sgd : Optimizer
{
    public Sgd(IEnumerable<ParamGroup> paramGroups, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base(paramGroups, g =>
        {
            g.Lr ??= lr; g.Momentum ??= momentum; g.Dampening ??= dampening; g.WeightDecay ??= weightDecay; g.Nesterov ??= nesterov;
            if (g.Momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), $"invalid momentum {g.Momentum}");
            if (g.Nesterov == true && (g.Momentum <= 0 || g.Dampening != 0))
                throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening");
        })
    { }

    public Sgd(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : this(OneGroup(parameters), lr, momentum, dampening, weightDecay, nesterov) { }

    protected override void Update(ParamGroup group, Tensor param, Tensor grad, ParamState state)
    {
        float momentum = (float)group.Momentum!.Value;
        float[]? buf = null;
        bool first = false;
        if (momentum != 0) buf = state.Get("momentum_buffer", param.Shape, out first).Data;
        state.Step++;
        UpdateKernels.Sgd(param.Data, grad.Data, buf, first, param.Size, (float)group.Lr!.Value, (float)group.WeightDecay!.Value,
            momentum, (float)group.Dampening!.Value, group.Nesterov!.Value);
    }
}
