using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints.Sac;

/// <summary>What SAC-m and SAC-w share: their reading's parameters, their score, and the paper's validation rule.</summary>
internal static class SacDeclaration
{
    public const string Paper = "SAC: Guan et al., \"Are You Stealing My Model? Sample Correlation for Fingerprinting Deep Neural Networks\", NeurIPS 2022";

    public static readonly MethodParameter[] ReadingParameters =
    [
        MethodParameter.Choice("correlation", "cosine", "correlation of two outputs: cosine (Eq. 2) or rbf (Eq. 3)", "cosine", "rbf"),
        MethodParameter.Choice("output", "logits", "what is correlated when the suspect reveals logits (the authors' code: logits)", "logits", "probabilities"),
        MethodParameter.Double("rbf_sigma2", 0.5, "δ² of the RBF kernel (Eq. 3; 0.5 in the authors' code)", 0, double.PositiveInfinity, minExclusive: true),
        MethodParameter.Double("label_epsilon", SmoothLabels.DefaultEpsilon, "ε of the smoothed labels for label-only suspects (Eq. 5)", 0, 1),
    ];

    /// <summary>SAC §3.2: midway between the mean distances of independent and derived validation models.</summary>
    public static DecisionRule? PaperRule(IReadOnlyList<double> nulls, IReadOnlyList<double> derived)
        => nulls.Count > 0 && derived.Count > 0
            ? DecisionRule.Paper(ScoreDirection.LowerIsStolen, (nulls.Average() + derived.Average()) / 2,
                $"SAC §3.2, midway between the mean distances of {nulls.Count} independent and {derived.Count} derived validation models")
            : null;

    public static MethodInfo Info(string name, string description, MethodNeeds needs, IEnumerable<MethodParameter> samplerParameters) => new()
    {
        Name = name,
        Paper = Paper,
        Description = description,
        Parameters = [.. samplerParameters, .. ReadingParameters],
        Reads = OutputMode.Label,
        Needs = needs,
        Direction = ScoreDirection.LowerIsStolen,
        PaperRule = PaperRule,
    };
}
