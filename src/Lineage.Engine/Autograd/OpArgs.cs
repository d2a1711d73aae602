namespace Lineage.Engine;

/// <summary>
/// The settings of a recorded op that neither its inputs nor its output shape determine (stride,
/// axis, slope …), kept on the result beside <see cref="Tensor.Op"/> so that a walk over the autograd
/// graph can rebuild the op elsewhere (the ONNX exporter traces a module this way). Set only when the
/// op is recorded, i.e. when grad mode is on and an input requires grad.
/// </summary>
internal abstract record OpArgs;

internal sealed record ConvArgs((int H, int W) Stride, (int H, int W) Padding, (int H, int W) Dilation, int Groups, (int H, int W) OutputPadding = default) : OpArgs;
internal sealed record PoolArgs((int H, int W) Kernel, (int H, int W) Stride, (int H, int W) Padding, bool CountIncludePad) : OpArgs;
/// <summary>Batch norm's settings; with Residual the op's fourth parent is added after normalising, and with Relu a ReLU follows.</summary>
internal sealed record BatchNormArgs(Tensor? RunningMean, Tensor? RunningVar, Tensor? Weight, Tensor? Bias, bool Training, float Eps, bool Residual = false, bool Relu = false) : OpArgs;
/// <summary>A scalar operand or coefficient: add_scalar, mul_scalar, rsub, pow, leaky_relu (slope), elu (alpha).</summary>
internal sealed record ScalarArgs(float Value) : OpArgs;
internal sealed record ClampArgs(float Min, float Max) : OpArgs;
/// <summary>Axes of softmax, log_softmax, cat (one axis), sum (with keepDim) or a permutation.</summary>
internal sealed record AxesArgs(int[] Axes, bool KeepDim = false) : OpArgs;
internal sealed record IndexArgs(int Axis, int[] Indices) : OpArgs;
internal sealed record PadArgs(int[] Pads, float Value) : OpArgs;
