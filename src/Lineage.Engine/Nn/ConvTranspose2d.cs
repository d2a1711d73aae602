namespace Lineage.Engine.Nn;

/// <summary>Transposed 2-D convolution layer as torch.nn.ConvTranspose2d: weight [in, out/groups, kH, kW]
/// (fan-in for the init is taken from dim 1, as torch does), optional bias [out].</summary>
public sealed class ConvTranspose2d : Module
{
    public int InChannels { get; }
    public int OutChannels { get; }
    public (int H, int W) KernelSize { get; }
    public (int H, int W) Stride { get; }
    public (int H, int W) Padding { get; }
    public (int H, int W) OutputPadding { get; }
    public (int H, int W) Dilation { get; }
    public int Groups { get; }
    public Tensor Weight => Param("weight")!;
    public Tensor? Bias => Param("bias");

    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, Generator gen, int stride = 1, int padding = 0, int outputPadding = 0,
        int groups = 1, bool bias = true, int dilation = 1)
        : this(inChannels, outChannels, (kernelSize, kernelSize), gen, (stride, stride), (padding, padding), (outputPadding, outputPadding), groups, bias, (dilation, dilation)) { }

    public ConvTranspose2d(int inChannels, int outChannels, (int H, int W) kernelSize, Generator gen, (int H, int W) stride, (int H, int W) padding,
        (int H, int W) outputPadding, int groups, bool bias, (int H, int W) dilation)
    {
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"ConvTranspose2d: in_channels {inChannels} and out_channels {outChannels} must both be divisible by groups {groups}");
        InChannels = inChannels; OutChannels = outChannels; KernelSize = kernelSize; Stride = stride;
        Padding = padding; OutputPadding = outputPadding; Dilation = dilation; Groups = groups;
        var w = Tensor.Persistent(inChannels, outChannels / groups, kernelSize.H, kernelSize.W);
        var b = bias ? Tensor.Persistent(outChannels) : null;
        Init.DefaultLayer(w, b, gen);
        RegisterParameter("weight", w);
        if (b != null) RegisterParameter("bias", b); else RegisterAbsentParameter("bias");
    }

    public override Tensor Forward(Tensor input) => Functional.ConvTranspose2d(input, Weight, Bias, Stride, Padding, OutputPadding, Dilation, Groups);

    protected override string ExtraRepr() =>
        $"({InChannels}, {OutChannels}, kernel={KernelSize}, stride={Stride}, padding={Padding}, output_padding={OutputPadding}, dilation={Dilation}, groups={Groups}{(Bias == null ? ", no bias" : "")})";
}
