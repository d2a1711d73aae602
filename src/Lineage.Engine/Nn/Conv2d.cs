namespace Lineage.Engine.Nn;

/// <summary>2-D convolution layer as torch.nn.Conv2d: weight [out, in/groups, kH, kW], optional bias [out], same init.</summary>
public sealed class Conv2d : Module
{
    public int InChannels { get; }
    public int OutChannels { get; }
    public (int H, int W) KernelSize { get; }
    public (int H, int W) Stride { get; }
    public (int H, int W) Padding { get; }
    public (int H, int W) Dilation { get; }
    public int Groups { get; }
    public Tensor Weight => Param("weight")!;
    public Tensor? Bias => Param("bias");

    public Conv2d(int inChannels, int outChannels, int kernelSize, Generator gen, int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true)
        : this(inChannels, outChannels, (kernelSize, kernelSize), gen, (stride, stride), (padding, padding), (dilation, dilation), groups, bias) { }

    public Conv2d(int inChannels, int outChannels, (int H, int W) kernelSize, Generator gen, (int H, int W) stride, (int H, int W) padding,
        (int H, int W) dilation, int groups = 1, bool bias = true)
    {
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d: in_channels {inChannels} and out_channels {outChannels} must both be divisible by groups {groups}");
        InChannels = inChannels; OutChannels = outChannels; KernelSize = kernelSize;
        Stride = stride; Padding = padding; Dilation = dilation; Groups = groups;
        var w = Tensor.Persistent(outChannels, inChannels / groups, kernelSize.H, kernelSize.W);
        var b = bias ? Tensor.Persistent(outChannels) : null;
        Init.DefaultLayer(w, b, gen);
        RegisterParameter("weight", w);
        if (b != null) RegisterParameter("bias", b); else RegisterAbsentParameter("bias");
    }

    public override Tensor Forward(Tensor input) => Functional.Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups);

    /// <summary>relu(Forward(input)), fused when no gradient is recorded (<see cref="Functional.Conv2dRelu"/>).</summary>
    public Tensor ForwardRelu(Tensor input) => Functional.Conv2dRelu(input, Weight, Bias, Stride, Padding, Dilation, Groups);

    /// <summary>max_pool2d(relu(Forward(input)), 2), fused when no gradient is recorded (<see cref="Functional.Conv2dReluMaxPool"/>).</summary>
    public Tensor ForwardReluMaxPool(Tensor input) => Functional.Conv2dReluMaxPool(input, Weight, Bias, Stride, Padding, Dilation, Groups);

    /// <summary>relu(bn(Forward(input)) + residual), residual and ReLU optional: with a batch norm in evaluation mode and
    /// no gradient recorded, the batch norm is folded into this convolution (<see cref="Functional.Conv2dBatchNorm"/>);
    /// otherwise it is the batch norm's own fused op after this layer.</summary>
    public Tensor ForwardBatchNorm(Tensor input, BatchNormBase bn, Tensor? residual = null, bool relu = false)
        => bn.Training || !bn.TrackRunningStats
            ? bn.Forward(Forward(input), residual, relu)
            : Functional.Conv2dBatchNorm(input, Weight, Bias, Stride, Padding, Dilation, Groups, bn.RunningMean!, bn.RunningVar!, bn.Weight, bn.Bias, bn.Eps, residual, relu);

    /// <summary>(relu(bn(Forward(input))), projectionBn(projection(input))), ReLU optional: a downsampling residual block's
    /// first convolution and its 1×1 projection shortcut on the same input. With both batch norms in evaluation mode and no
    /// gradient recorded, both are folded into their convolutions, which run as one pass over the input
    /// (<see cref="Functional.Conv2dWithProjection"/>); otherwise it is <see cref="ForwardBatchNorm"/> of each.</summary>
    public (Tensor Output, Tensor Projection) ForwardBatchNormWithProjection(Tensor input, BatchNormBase bn, bool relu, Conv2d projection, BatchNormBase projectionBn)
    {
        bool folds = !bn.Training && bn.TrackRunningStats && !projectionBn.Training && projectionBn.TrackRunningStats && Groups == 1 && projection.Groups == 1
                     && Dilation == (1, 1) && projection.Dilation == (1, 1) && projection.Padding == (0, 0) && projection.Stride == Stride
                     && !GradMode.Records(input, Weight, Bias, bn.Weight, bn.Bias, projection.Weight, projection.Bias, projectionBn.Weight, projectionBn.Bias);
        if (!folds) return (ForwardBatchNorm(input, bn, relu: relu), projection.ForwardBatchNorm(input, projectionBn));
        var (w, b) = Functional.FoldBatchNorm(Weight, Bias, bn.RunningMean!, bn.RunningVar!, bn.Weight, bn.Bias, bn.Eps);
        var (pw, pb) = Functional.FoldBatchNorm(projection.Weight, projection.Bias, projectionBn.RunningMean!, projectionBn.RunningVar!, projectionBn.Weight, projectionBn.Bias, projectionBn.Eps);
        return Functional.Conv2dWithProjection(input, w, b, Stride, Padding, pw, pb, relu);
    }

    protected override string ExtraRepr() =>
        $"({InChannels}, {OutChannels}, kernel={KernelSize}, stride={Stride}, padding={Padding}, dilation={Dilation}, groups={Groups}{(Bias == null ? ", no bias" : "")})";
}
