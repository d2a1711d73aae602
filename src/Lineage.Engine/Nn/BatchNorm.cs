namespace Lineage.Engine.Nn;

/// <summary>
/// torch.nn's _BatchNorm: weight = 1 and bias = 0 (when affine), buffers running_mean = 0, running_var = 1
/// and num_batches_tracked (when tracking running statistics), with PyTorch's state-dict names.
/// A null momentum gives the cumulative moving average (factor 1/num_batches_tracked), as in PyTorch.
/// </summary>
public abstract class BatchNormBase : Module
{
    public int NumFeatures { get; }
    public float Eps { get; }
    public float? Momentum { get; }
    public bool Affine { get; }
    public bool TrackRunningStats { get; }

    public Tensor? Weight => Param("weight");
    public Tensor? Bias => Param("bias");
    public Tensor? RunningMean => TrackRunningStats ? Buffer("running_mean") : null;
    public Tensor? RunningVar => TrackRunningStats ? Buffer("running_var") : null;
    public Tensor? NumBatchesTracked => TrackRunningStats ? Buffer("num_batches_tracked") : null;

    protected BatchNormBase(int numFeatures, float eps, float? momentum, bool affine, bool trackRunningStats)
    {
        if (numFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(numFeatures));
        NumFeatures = numFeatures; Eps = eps; Momentum = momentum; Affine = affine; TrackRunningStats = trackRunningStats;
        if (affine)
        {
            RegisterParameter("weight", Tensor.Persistent(numFeatures)).Span.Fill(1f);
            RegisterParameter("bias", Tensor.Persistent(numFeatures));
        }
        else { RegisterAbsentParameter("weight"); RegisterAbsentParameter("bias"); }
        if (trackRunningStats)
        {
            RegisterBuffer("running_mean", Tensor.Persistent(numFeatures));
            RegisterBuffer("running_var", Tensor.Persistent(numFeatures)).Span.Fill(1f);
            RegisterBuffer("num_batches_tracked", Tensor.Persistent());
        }
    }

    /// <summary>Checks the input rank for the concrete layer (1d: [N, C] or [N, C, L]; 2d: [N, C, H, W]).</summary>
    protected abstract void CheckInput(Tensor input);

    /// <summary>Zeroes the running statistics and the batch counter (reset_running_stats).</summary>
    public void ResetRunningStats()
    {
        if (!TrackRunningStats) return;
        RunningMean!.Span.Clear();
        RunningVar!.Span.Fill(1f);
        NumBatchesTracked!.Span.Clear();
    }

    public override Tensor Forward(Tensor input) => Forward(input, residual: null, relu: false);

    /// <summary>relu(this(input) + residual) in one fused op (either part optional): what a residual block's
    /// tail or a batch norm followed by ReLU computes, without the separate passes of the add and the ReLU.</summary>
    public Tensor Forward(Tensor input, Tensor? residual, bool relu)
    {
        CheckInput(input);
        if (input.Shape[1] != NumFeatures) throw new ArgumentException($"{GetType().Name}({NumFeatures}): input {Tensor.FormatShape(input.Shape)} has {input.Shape[1]} channels");
        float factor = Momentum ?? 0f;
        if (Training && TrackRunningStats)
        {
            var nbt = NumBatchesTracked!.Span;
            nbt[0] += 1;
            if (Momentum == null) factor = 1f / nbt[0];
        }
        // without running statistics, evaluation also normalises with batch statistics (PyTorch's bn_training)
        bool useBatchStats = Training || !TrackRunningStats;
        return Functional.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, useBatchStats, factor, Eps, residual, relu);
    }

    protected override string ExtraRepr() =>
        $"({NumFeatures}, eps={Eps}, momentum={(Momentum?.ToString() ?? "None")}, affine={Affine}, track_running_stats={TrackRunningStats})";
}

/// <summary>torch.nn.BatchNorm1d over [N, C] or [N, C, L].</summary>
public sealed class BatchNorm1d(int numFeatures, float eps = 1e-5f, float? momentum = 0.1f, bool affine = true, bool trackRunningStats = true)
    : BatchNormBase(numFeatures, eps, momentum, affine, trackRunningStats)
{
    protected override void CheckInput(Tensor input)
    {
        if (input.Rank is not (2 or 3)) throw new ArgumentException($"BatchNorm1d expects [N, C] or [N, C, L], got {Tensor.FormatShape(input.Shape)}");
    }
}

/// <summary>torch.nn.BatchNorm2d over [N, C, H, W].</summary>
public sealed class BatchNorm2d(int numFeatures, float eps = 1e-5f, float? momentum = 0.1f, bool affine = true, bool trackRunningStats = true)
    : BatchNormBase(numFeatures, eps, momentum, affine, trackRunningStats)
{
    protected override void CheckInput(Tensor input)
    {
        if (input.Rank != 4) throw new ArgumentException($"BatchNorm2d expects [N, C, H, W], got {Tensor.FormatShape(input.Shape)}");
    }
}
