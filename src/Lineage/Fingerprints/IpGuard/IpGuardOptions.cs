namespace Lineage.Fingerprints.IpGuard;

/// <summary>How IPGuard picks the target class j of a boundary point.</summary>
public enum TargetChoice { Random, LeastLikely }

/// <summary>IPGuard's settings (ALGORITHMS.md: 100 points, Adam lr 0.01–0.001, ≤ 1000 steps, k ≈ 10 for 10 classes).</summary>
public sealed record IpGuardOptions
{
    public int Points { get; init; } = 100;
    public TargetChoice Target { get; init; } = TargetChoice.Random;
    /// <summary>Margin k by which the target logit must exceed the original class's.</summary>
    public float Margin { get; init; } = 10f;
    public double LearningRate { get; init; } = 0.01;
    public int MaxSteps { get; init; } = 1000;
    public int Seed { get; init; }

    internal Dictionary<string, string> Describe()
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        return new()
        {
            ["points"] = Points.ToString(c),
            ["target"] = Target.ToString().ToLowerInvariant(),
            ["margin"] = Margin.ToString("R", c),
            ["lr"] = LearningRate.ToString("R", c),
            ["max_steps"] = MaxSteps.ToString(c),
            ["seed"] = Seed.ToString(c),
        };
    }
}
