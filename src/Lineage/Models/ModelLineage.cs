namespace Lineage.Models;

/// <summary>
/// Where a model came from: its parent (by hash, for derived models), the step that made it
/// (train, or an attack name such as "ftal" or "extract-l"), that step's parameters and seed,
/// and the chain of ancestors' steps in words. Every model file records one.
/// </summary>
public sealed record ModelLineage
{
    /// <summary>"train" for a model trained from scratch, otherwise the attack's name.</summary>
    public required string Step { get; init; }
    public string? ParentHash { get; init; }
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
    public int Seed { get; init; }
    /// <summary>Human-readable chain, e.g. "train(cnn-c, shapes/train/defender(seed=1)) -> ftal(...)".</summary>
    public string Chain { get; init; } = "";

    public static ModelLineage Trained(string architecture, string data, int seed, IReadOnlyDictionary<string, string> parameters)
        => new() { Step = "train", Seed = seed, Parameters = parameters, Chain = $"train({architecture}, {data}, seed={seed})" };

    public ModelLineage Derive(string step, string parentHash, int seed, IReadOnlyDictionary<string, string> parameters)
        => new()
        {
            Step = step,
            ParentHash = parentHash,
            Seed = seed,
            Parameters = parameters,
            Chain = $"{Chain} -> {step}({string.Join(", ", parameters.Select(p => $"{p.Key}={p.Value}"))}, seed={seed})",
        };
}
