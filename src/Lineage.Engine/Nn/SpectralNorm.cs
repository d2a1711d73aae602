namespace Lineage.Engine.Nn;

/// <summary>
/// Spectral normalisation (Miyato et al., ICLR 2018) as <c>torch.nn.utils.spectral_norm</c>: the layer uses
/// W / σ(W), σ the largest singular value of W viewed as [out, rest], estimated by power iteration on persistent
/// vectors u and v (one iteration per forward in training mode, none in eval mode). As in PyTorch, u and v are
/// constants to autograd and σ = uᵀ W v is differentiated through W, so dL/dW = G/σ − (⟨G, W⟩/σ²) u vᵀ.
/// A GAN's discriminator needs it: a 1-Lipschitz critic is what keeps hinge-loss training from diverging.
/// </summary>
public static class SpectralNorm
{
    const float Eps = 1e-12f;

    /// <summary>Random unit vectors u [rows] and v [cols] for a weight of shape [rows, ...] (PyTorch: normal, normalised).</summary>
    public static (Tensor U, Tensor V) InitialVectors(int[] weightShape, Generator gen)
    {
        int rows = weightShape[0], cols = Tensor.ShapeSize(weightShape) / rows;
        var u = Tensor.Persistent(rows); var v = Tensor.Persistent(cols);
        Init.Normal(u, 0, 1, gen); Init.Normal(v, 0, 1, gen);
        Normalise(u.Span); Normalise(v.Span);
        return (u, v);
    }

    /// <summary>W / σ(W). With <paramref name="update"/>, first one power iteration: v ← Wᵀu/‖·‖, u ← Wv/‖·‖ (in place).</summary>
    public static Tensor Apply(Tensor weight, Tensor u, Tensor v, bool update)
    {
        int rows = weight.Shape[0], cols = weight.Size / rows;
        if (u.Size != rows || v.Size != cols)
            throw new ArgumentException($"spectral_norm: u [{u.Size}] and v [{v.Size}] do not fit a weight {Tensor.FormatShape(weight.Shape)}");
        var w = weight.Span;
        var us = u.Span; var vs = v.Span;
        if (update)
        {
            for (int j = 0; j < cols; j++)
            {
                double s = 0;
                for (int i = 0; i < rows; i++) s += w[i * cols + j] * us[i];
                vs[j] = (float)s;
            }
            Normalise(vs);
            for (int i = 0; i < rows; i++)
            {
                double s = 0;
                for (int j = 0; j < cols; j++) s += w[i * cols + j] * vs[j];
                us[i] = (float)s;
            }
            Normalise(us);
        }
        // σ = Σ_ij W_ij u_i v_j, differentiable in W with u vᵀ held constant
        var outer = Tensor.Empty(weight.Shape);
        var o = outer.Span;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) o[i * cols + j] = us[i] * vs[j];
        var sigma = (weight * outer).Sum();
        return weight / sigma;
    }

    /// <summary>σ(W) as the stored vectors estimate it (uᵀ W v), for reports and tests.</summary>
    public static double Sigma(Tensor weight, Tensor u, Tensor v)
    {
        int rows = weight.Shape[0], cols = weight.Size / rows;
        var w = weight.Span; var us = u.Span; var vs = v.Span;
        double s = 0;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) s += us[i] * w[i * cols + j] * vs[j];
        return s;
    }

    static void Normalise(Span<float> x)
    {
        double n = 0;
        foreach (var a in x) n += (double)a * a;
        float inv = 1f / MathF.Max((float)Math.Sqrt(n), Eps);
        for (int i = 0; i < x.Length; i++) x[i] *= inv;
    }
}

/// <summary>A layer whose weight is spectrally normalised, with PyTorch's spectral_norm state-dict names:
/// weight_orig, bias, and the power-iteration buffers weight_u, weight_v.</summary>
public abstract class SpectralNormLayer : Module
{
    public Tensor WeightOrig => Param("weight_orig")!;
    public Tensor? Bias => Param("bias");

    /// <summary>Registers the weight (of <paramref name="weightShape"/>), the optional bias and the power-iteration vectors,
    /// initialised as the plain layer would be.</summary>
    protected SpectralNormLayer(int[] weightShape, int biasSize, bool bias, Generator gen)
    {
        var w = Tensor.Persistent(weightShape);
        var b = bias ? Tensor.Persistent(biasSize) : null;
        Init.DefaultLayer(w, b, gen);
        RegisterParameter("weight_orig", w);
        if (b != null) RegisterParameter("bias", b); else RegisterAbsentParameter("bias");
        var (u, v) = SpectralNorm.InitialVectors(w.Shape, gen);
        RegisterBuffer("weight_u", u);
        RegisterBuffer("weight_v", v);
    }

    /// <summary>The normalised weight; in training mode one power iteration first.</summary>
    public Tensor Weight() => SpectralNorm.Apply(WeightOrig, Buffer("weight_u"), Buffer("weight_v"), update: Training);
}

/// <summary>Conv2d whose weight is spectrally normalised.</summary>
public sealed class SpectralNormConv2d(int inChannels, int outChannels, int kernelSize, Generator gen, int stride = 1, int padding = 0, bool bias = true)
    : SpectralNormLayer([outChannels, inChannels, kernelSize, kernelSize], outChannels, bias, gen)
{
    public int InChannels { get; } = inChannels;
    public int OutChannels { get; } = outChannels;

    public override Tensor Forward(Tensor input) => Functional.Conv2d(input, Weight(), Bias, (stride, stride), (padding, padding), (1, 1), 1);

    protected override string ExtraRepr() => $"({InChannels}, {OutChannels}, kernel={kernelSize}, stride={stride}, padding={padding}, spectral norm)";
}

/// <summary>Linear whose weight is spectrally normalised.</summary>
public sealed class SpectralNormLinear(int inFeatures, int outFeatures, Generator gen, bool bias = true)
    : SpectralNormLayer([outFeatures, inFeatures], outFeatures, bias, gen)
{
    public int InFeatures { get; } = inFeatures;
    public int OutFeatures { get; } = outFeatures;

    public override Tensor Forward(Tensor input) => Functional.Linear(input, Weight(), Bias);

    protected override string ExtraRepr() => $"({InFeatures} -> {OutFeatures}{(Bias == null ? ", no bias" : "")}, spectral norm)";
}
