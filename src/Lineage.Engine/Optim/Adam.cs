namespace Lineage.Engine.Optim;

/// <summary>
/// torch.optim.Adam (and, with decoupled weight decay, AdamW): bias-corrected first and second moments,
/// optional AMSGrad. Adam's weight decay is L2 added to the gradient; AdamW multiplies the parameter by
/// (1 − lr·wd) before the update instead.
/// </summary>
public class Adam : Optimizer
{
    readonly bool decoupled;

    public Adam(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : this(paramGroups, lr, beta1, beta2, eps, weightDecay, amsgrad, decoupled: false) { }

    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : this(OneGroup(parameters), lr, beta1, beta2, eps, weightDecay, amsgrad, decoupled: false) { }

    private protected Adam(IEnumerable<ParamGroup> paramGroups, double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad, bool decoupled)
        : base(paramGroups, g =>
        {
            g.Lr ??= lr; g.Beta1 ??= beta1; g.Beta2 ??= beta2; g.Eps ??= eps; g.WeightDecay ??= weightDecay; g.Amsgrad ??= amsgrad;
            if (g.Beta1 is < 0 or >= 1 || g.Beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), $"betas must be in [0, 1), got ({g.Beta1}, {g.Beta2})");
            if (g.Eps < 0) throw new ArgumentOutOfRangeException(nameof(eps), $"invalid epsilon {g.Eps}");
        })
    {
        this.decoupled = decoupled;
    }

    protected override void Update(ParamGroup group, Tensor param, Tensor grad, ParamState state)
    {
        double lr = group.Lr!.Value, wd = group.WeightDecay!.Value, beta1 = group.Beta1!.Value, beta2 = group.Beta2!.Value;
        var m = state.Get("exp_avg", param.Shape).Data;
        var v = state.Get("exp_avg_sq", param.Shape).Data;
        var vmax = group.Amsgrad!.Value ? state.Get("max_exp_avg_sq", param.Shape).Data : null;
        long step = ++state.Step;
        // bias corrections in double, as Python computes them
        double bc1 = 1 - Math.Pow(beta1, step), bc2 = 1 - Math.Pow(beta2, step);
        if (decoupled && wd != 0) UpdateKernels.Scale(param.Data, param.Size, (float)(1 - lr * wd));
        UpdateKernels.Adam(param.Data, grad.Data, m, v, vmax, param.Size, (float)beta1, (float)beta2,
            (float)(lr / bc1), (float)Math.Sqrt(bc2), (float)group.Eps!.Value, decoupled ? 0f : (float)wd);
    }
}

/// <summary>torch.optim.AdamW: Adam with decoupled weight decay (default 1e-2).</summary>
public sealed class AdamW : Adam
{
    public AdamW(IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false)
        : base(paramGroups, lr, beta1, beta2, eps, weightDecay, amsgrad, decoupled: true) { }

    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false)
        : base(OneGroup(parameters), lr, beta1, beta2, eps, weightDecay, amsgrad, decoupled: true) { }
}
