namespace Lineage.Fingerprints.Sac;

/// <summary>Which CutMix SAC-m uses: the paper's (Yun et al., Eq. 8) or the authors' code's fixed corner box.</summary>
public enum CutMixVariant { Yun, Corner }

/// <summary>SAC's settings (defaults: the paper; ALGORITHMS.md for what it leaves open).</summary>
public sealed record SacOptions
{
    /// <summary>SAC-m: normal owner images to mix (paper: 100; 50 is enough). SAC-w: hard samples to keep at most.</summary>
    public int Samples { get; init; } = 100;
    public CutMixVariant CutMix { get; init; } = CutMixVariant.Yun;
    public double CutMixAlpha { get; init; } = 1.0;
    /// <summary>Apply x^T after CutMix (SAC §3.3).</summary>
    public bool TransposeFlip { get; init; } = true;
    public CorrelationKind Correlation { get; init; } = CorrelationKind.Cosine;
    public SacOutput Output { get; init; } = SacOutput.Logits;
    public double RbfSigmaSquared { get; init; } = 0.5;
    public double LabelEpsilon { get; init; } = SmoothLabels.DefaultEpsilon;
    /// <summary>SAC-w: surrogates distilled from the source (m in Eq. 7).</summary>
    public int Surrogates { get; init; } = 3;
    public int SurrogateEpochs { get; init; } = 5;
    public int Seed { get; init; }

    internal Dictionary<string, string> Describe()
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        return new()
        {
            ["samples"] = Samples.ToString(c),
            ["cutmix"] = CutMix.ToString().ToLowerInvariant(),
            ["cutmix_alpha"] = CutMixAlpha.ToString("R", c),
            ["transpose_flip"] = TransposeFlip ? "true" : "false",
            ["correlation"] = Correlation.ToString().ToLowerInvariant(),
            ["output"] = Output.ToString().ToLowerInvariant(),
            ["rbf_sigma2"] = RbfSigmaSquared.ToString("R", c),
            ["label_epsilon"] = LabelEpsilon.ToString("R", c),
            ["seed"] = Seed.ToString(c),
        };
    }
}
