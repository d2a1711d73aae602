using System.Globalization;

namespace Lineage.Fingerprints.Cae;

/// <summary>
/// C-BIM's settings (CAE §4.4, §6.2, Table 6). Defaults are the paper's values; docs/cae.md says where each
/// comes from and what was measured.
/// </summary>
public sealed record CaeOptions
{
    /// <summary>L∞ radius around the owner image (Tables 1–3 use 0.15; §6.3 finds 0.05 enough on CINIC).</summary>
    public float Epsilon { get; init; } = 0.15f;
    /// <summary>BIM step size α (Table 6: 0.01).</summary>
    public float StepSize { get; init; } = 0.01f;
    /// <summary>BIM iterations (Table 6: 100).</summary>
    public int Steps { get; init; } = 100;
    /// <summary>Probability of dropping each ensemble member's prediction, per example and step (§6.2: 0.5;
    /// the re-implementations use 0.3). Each side always keeps at least one member.</summary>
    public float Dropout { get; init; } = 0.5f;
    /// <summary>Weight of the ensemble term −log M_E(x)[t] (Eq. 14 up to a monotone map).</summary>
    public float Alpha { get; init; } = 1f;
    /// <summary>Weight of the re-implementations' term that moves the source's prediction away from the original
    /// label; 0, the paper's loss, by default (docs/cae.md: with 1 the held-out models stopped telling apart).</summary>
    public float Beta { get; init; }
    /// <summary>Weight of the re-implementations' term that keeps the source's prediction close to the surrogates' mean;
    /// 0, the paper's loss, by default.</summary>
    public float Gamma { get; init; }
    /// <summary>Owner images (classified correctly by the source) to start from (§4.3: 300).</summary>
    public int Candidates { get; init; } = 300;
    /// <summary>Examples kept in the fingerprint.</summary>
    public int Examples { get; init; } = 100;
    /// <summary>Least hard conferrability on the training models an example must reach to be kept (τ; the paper
    /// filters at 1). 0 keeps the most conferrable flipped examples, whatever their score.</summary>
    public double MinConferrability { get; init; }
    /// <summary>Candidates pushed through the ensemble together.</summary>
    public int BatchSize { get; init; } = 300;
    public int Seed { get; init; }

    /// <summary>Fails with one line naming the first setting out of range.</summary>
    public void Validate()
    {
        if (!(Epsilon > 0 && Epsilon <= 1)) throw new ArgumentException($"CAE epsilon must be in (0, 1], got {Epsilon}", nameof(Epsilon));
        if (!(StepSize > 0 && StepSize <= 1)) throw new ArgumentException($"CAE step size must be in (0, 1], got {StepSize}", nameof(StepSize));
        if (Steps < 1) throw new ArgumentException($"CAE steps must be at least 1, got {Steps}", nameof(Steps));
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"CAE dropout must be in [0, 1), got {Dropout}", nameof(Dropout));
        if (!(Alpha >= 0) || !(Beta >= 0) || !(Gamma >= 0) || float.IsInfinity(Alpha) || float.IsInfinity(Beta) || float.IsInfinity(Gamma))
            throw new ArgumentException($"CAE loss weights must be finite and ≥ 0, got alpha={Alpha}, beta={Beta}, gamma={Gamma}", nameof(Alpha));
        if (Alpha + Beta + Gamma == 0) throw new ArgumentException("CAE loss weights alpha, beta and gamma are all 0: nothing to optimise", nameof(Alpha));
        if (Examples < 1) throw new ArgumentException($"CAE examples must be at least 1, got {Examples}", nameof(Examples));
        if (Candidates < Examples) throw new ArgumentException($"CAE candidates ({Candidates}) must be at least the examples kept ({Examples})", nameof(Candidates));
        if (!(MinConferrability >= 0 && MinConferrability <= 1)) throw new ArgumentException($"CAE minimum conferrability τ must be in [0, 1], got {MinConferrability}", nameof(MinConferrability));
        if (BatchSize < 1) throw new ArgumentException($"CAE batch size must be at least 1, got {BatchSize}", nameof(BatchSize));
    }

    /// <summary>The settings as text, for a fingerprint's parameters.</summary>
    public Dictionary<string, string> Describe()
    {
        var c = CultureInfo.InvariantCulture;
        return new()
        {
            ["epsilon"] = Epsilon.ToString("R", c),
            ["step_size"] = StepSize.ToString("R", c),
            ["steps"] = Steps.ToString(c),
            ["dropout"] = Dropout.ToString("R", c),
            ["alpha"] = Alpha.ToString("R", c),
            ["beta"] = Beta.ToString("R", c),
            ["gamma"] = Gamma.ToString("R", c),
            ["candidates"] = Candidates.ToString(c),
            ["examples"] = Examples.ToString(c),
            ["min_conferrability"] = MinConferrability.ToString("R", c),
            ["seed"] = Seed.ToString(c),
        };
    }
}
