namespace Lineage.Engine.Optim;

/// <summary>
/// Base of the learning-rate schedules. Like torch.optim.lr_scheduler with last_epoch = −1, building a
/// schedule records each group's starting rate (InitialLr) and applies the rate for epoch 0; each
/// <see cref="Step"/> then advances one epoch (or batch) and writes the closed-form rate into the groups.
/// </summary>
public abstract class LrScheduler
{
    int lastEpoch = -1;

    public Optimizer Optimizer { get; }
    /// <summary>Each group's starting learning rate.</summary>
    public IReadOnlyList<double> BaseLrs { get; }

    protected LrScheduler(Optimizer optimizer)
    {
        Optimizer = optimizer;
        foreach (var g in optimizer.ParamGroups) g.InitialLr ??= g.Lr;
        BaseLrs = optimizer.ParamGroups.Select(g => g.InitialLr!.Value).ToArray();
    }

    /// <summary>The learning rate of each parameter group now.</summary>
    public IReadOnlyList<double> CurrentLrs => Optimizer.ParamGroups.Select(g => g.Lr!.Value).ToArray();

    /// <summary>The epoch whose rates are applied. Setting it (to resume from a checkpoint) applies that epoch's rates.</summary>
    public int LastEpoch
    {
        get => lastEpoch;
        set
        {
            if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), "epoch must be ≥ 0");
            lastEpoch = value;
            var groups = Optimizer.ParamGroups;
            for (int i = 0; i < groups.Count; i++) Apply(groups[i], i, lastEpoch);
        }
    }

    public void Step() => LastEpoch = lastEpoch + 1;

    /// <summary>Derived constructors call this once their fields are set: it applies epoch 0.</summary>
    protected void Start() => Step();

    /// <summary>Writes the rate (and any other scheduled option) of one group for an epoch.</summary>
    protected virtual void Apply(ParamGroup group, int groupIndex, int epoch) => group.Lr = LrAt(groupIndex, epoch);

    /// <summary>The closed-form learning rate of a group at an epoch.</summary>
    protected abstract double LrAt(int groupIndex, int epoch);
}
