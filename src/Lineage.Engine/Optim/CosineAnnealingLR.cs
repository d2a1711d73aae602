namespace Lineage.Engine.Optim;

/// <summary>torch.optim.lr_scheduler.CosineAnnealingLR in its closed form (_get_closed_form_lr):
/// lr = η_min + (base_lr − η_min)·(1 + cos(π·epoch / T_max)) / 2; past T_max the cosine continues, as in PyTorch.</summary>
public sealed class CosineAnnealingLR : LrScheduler
{
    public int TMax { get; }
    public double EtaMin { get; }

    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        if (tMax <= 0) throw new ArgumentOutOfRangeException(nameof(tMax), "T_max must be positive");
        TMax = tMax; EtaMin = etaMin;
        Start();
    }

    protected override double LrAt(int groupIndex, int epoch) =>
        EtaMin + (BaseLrs[groupIndex] - EtaMin) * (1 + Math.Cos(Math.PI * epoch / TMax)) / 2;
}
