namespace Lineage.Engine.Optim;

/// <summary>torch.optim.lr_scheduler.StepLR: lr = base_lr · γ^⌊epoch / stepSize⌋.</summary>
public sealed class StepLR : LrScheduler
{
    public int StepSize { get; }
    public double Gamma { get; }

    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        if (stepSize <= 0) throw new ArgumentOutOfRangeException(nameof(stepSize), "step size must be positive");
        StepSize = stepSize; Gamma = gamma;
        Start();
    }

    protected override double LrAt(int groupIndex, int epoch) => BaseLrs[groupIndex] * Math.Pow(Gamma, epoch / StepSize);
}
