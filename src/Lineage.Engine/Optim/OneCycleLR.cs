namespace Lineage.Engine.Optim;

/// <summary>
/// torch.optim.lr_scheduler.OneCycleLR (two phases): the rate rises from maxLr/divFactor to maxLr over
/// the first pctStart of totalSteps, then anneals to initial/finalDivFactor, by cosine or linearly.
/// With cycleMomentum (PyTorch's default) momentum — or Adam's beta1 — moves inversely between
/// maxMomentum and baseMomentum. Call <see cref="LrScheduler.Step"/> after every batch.
/// </summary>
public sealed class OneCycleLR : LrScheduler
{
    public double MaxLr { get; }
    public int TotalSteps { get; }
    public bool AnnealCos { get; }
    public bool CycleMomentum { get; }
    public double BaseMomentum { get; }
    public double MaxMomentum { get; }
    readonly double initialLr, minLr;
    readonly (double EndStep, double StartLr, double EndLr, double StartMomentum, double EndMomentum)[] phases;

    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart = 0.3, bool annealCos = true,
        double divFactor = 25, double finalDivFactor = 1e4, bool cycleMomentum = true, double baseMomentum = 0.85, double maxMomentum = 0.95)
        : base(PrepareGroups(optimizer, maxLr / divFactor))
    {
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), "total steps must be positive");
        if (pctStart < 0 || pctStart > 1) throw new ArgumentOutOfRangeException(nameof(pctStart), "pct_start must be in [0, 1]");
        MaxLr = maxLr; TotalSteps = totalSteps; AnnealCos = annealCos;
        CycleMomentum = cycleMomentum; BaseMomentum = baseMomentum; MaxMomentum = maxMomentum;
        initialLr = maxLr / divFactor;
        minLr = initialLr / finalDivFactor;
        phases =
        [
            (pctStart * totalSteps - 1, initialLr, maxLr, maxMomentum, baseMomentum),
            (totalSteps - 1, maxLr, minLr, baseMomentum, maxMomentum),
        ];
        Start();
    }

    /// <summary>PyTorch overwrites initial_lr with maxLr/divFactor for every group.</summary>
    static Optimizer PrepareGroups(Optimizer optimizer, double initial)
    {
        foreach (var g in optimizer.ParamGroups) g.InitialLr = initial;
        return optimizer;
    }

    double Anneal(double start, double end, double pct) =>
        AnnealCos ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1) : (end - start) * pct + start;

    (double Lr, double Momentum) At(int epoch)
    {
        if (epoch > TotalSteps) throw new InvalidOperationException($"OneCycleLR stepped {epoch} times, more than total steps {TotalSteps}");
        double start = 0;
        for (int i = 0; i < phases.Length; i++)
        {
            var ph = phases[i];
            if (epoch <= ph.EndStep || i == phases.Length - 1)
            {
                double pct = (epoch - start) / (ph.EndStep - start);
                return (Anneal(ph.StartLr, ph.EndLr, pct), Anneal(ph.StartMomentum, ph.EndMomentum, pct));
            }
            start = ph.EndStep;
        }
        throw new InvalidOperationException("unreachable: the last phase always matches");
    }

    protected override double LrAt(int groupIndex, int epoch) => At(epoch).Lr;

    protected override void Apply(ParamGroup group, int groupIndex, int epoch)
    {
        var (lr, momentum) = At(epoch);
        group.Lr = lr;
        if (!CycleMomentum) return;
        if (group.Beta1 != null) group.Beta1 = momentum;
        else if (group.Momentum != null) group.Momentum = momentum;
        else throw new InvalidOperationException("OneCycleLR: cycleMomentum needs an optimiser with momentum or beta1; pass cycleMomentum: false");
    }
}
