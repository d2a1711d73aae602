using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>What a method needs beyond the source model's outputs on its queries.</summary>
[Flags]
public enum MethodNeeds
{
    None = 0,
    /// <summary>The owner's data (images with true labels).</summary>
    OwnerData = 1,
    /// <summary>Gradients of the source with respect to its input (a differentiable source: a Lineage model file or an imported ONNX graph).</summary>
    SourceGradients = 2,
    /// <summary>The owner's kit of independently trained reference models.</summary>
    KitReferences = 4,
    /// <summary>The owner's kit of surrogates derived from the source.</summary>
    KitSurrogates = 8,
}

/// <summary>
/// A fingerprinting method as the catalog declares it, once: its name, the paper it comes from, its typed
/// parameters, the output modes it can read, what it needs, and which end of its score points at a stolen model.
/// </summary>
public sealed record MethodInfo
{
    public required string Name { get; init; }
    /// <summary>The paper (or baseline) the method comes from, for help texts and reports.</summary>
    public required string Paper { get; init; }
    public required string Description { get; init; }
    public IReadOnlyList<MethodParameter> Parameters { get; init; } = [];
    /// <summary>The poorest output mode the method can still read (Label: every suspect works).</summary>
    public required OutputMode Reads { get; init; }
    public required MethodNeeds Needs { get; init; }
    public required ScoreDirection Direction { get; init; }
    /// <summary>The paper's own decision rule given the scores of independent and derived validation models (SAC §3.2)
    /// or regardless of them (CAE's θ); null where the paper has none.</summary>
    public Func<IReadOnlyList<double>, IReadOnlyList<double>, DecisionRule?>? PaperRule { get; init; }

    public bool Has(MethodNeeds need) => (Needs & need) == need;

    /// <summary>One help line per parameter: name, type, default, bounds and meaning.</summary>
    public IEnumerable<string> ParameterHelp() => Parameters.Select(p => p.Help());
}
