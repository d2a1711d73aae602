namespace Lineage.Engine.Nn;

/// <summary>torch.nn.MaxPool2d (floor mode, no dilation); stride defaults to the kernel size.</summary>
public sealed class MaxPool2d((int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null) : Module
{
    public (int H, int W) KernelSize { get; } = kernelSize;
    public (int H, int W) Stride { get; } = stride ?? kernelSize;
    public (int H, int W) Padding { get; } = padding ?? (0, 0);

    public MaxPool2d(int kernelSize, int? stride = null, int padding = 0)
        : this((kernelSize, kernelSize), (stride ?? kernelSize, stride ?? kernelSize), (padding, padding)) { }

    public override Tensor Forward(Tensor input) => Functional.MaxPool2d(input, KernelSize, Stride, Padding);
    protected override string ExtraRepr() => $"(kernel={KernelSize}, stride={Stride}, padding={Padding})";
}

/// <summary>torch.nn.AvgPool2d (floor mode); stride defaults to the kernel size.</summary>
public sealed class AvgPool2d((int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null, bool countIncludePad = true) : Module
{
    public (int H, int W) KernelSize { get; } = kernelSize;
    public (int H, int W) Stride { get; } = stride ?? kernelSize;
    public (int H, int W) Padding { get; } = padding ?? (0, 0);
    public bool CountIncludePad { get; } = countIncludePad;

    public AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool countIncludePad = true)
        : this((kernelSize, kernelSize), (stride ?? kernelSize, stride ?? kernelSize), (padding, padding), countIncludePad) { }

    public override Tensor Forward(Tensor input) => Functional.AvgPool2d(input, KernelSize, Stride, Padding, CountIncludePad);
    protected override string ExtraRepr() => $"(kernel={KernelSize}, stride={Stride}, padding={Padding}, count_include_pad={CountIncludePad})";
}

/// <summary>torch.nn.AdaptiveAvgPool2d: averages each plane down to a fixed output size.</summary>
public sealed class AdaptiveAvgPool2d((int H, int W) outputSize) : Module
{
    public (int H, int W) OutputSize { get; } = outputSize;
    public AdaptiveAvgPool2d(int outputSize) : this((outputSize, outputSize)) { }
    public override Tensor Forward(Tensor input) => Functional.AdaptiveAvgPool2d(input, OutputSize.H, OutputSize.W);
    protected override string ExtraRepr() => $"(output_size={OutputSize})";
}
