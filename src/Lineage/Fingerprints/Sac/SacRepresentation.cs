using Lineage.Suspects;

namespace Lineage.Fingerprints.Sac;

/// <summary>
/// Puts the source's stored logits and a suspect's answers into the same form before correlating:
/// logits or probabilities when the suspect reveals them; for a top-k suspect the source is reduced to
/// the same top-k view; for a label-only suspect both sides become smoothed labels (SAC Eq. 5).
/// Each side keeps its own number of classes: SAC correlates samples with samples within one model's outputs
/// (Eq. 1–3), so a model transferred to another label space (SAC §4.1 Transfer-A/L) is compared through its
/// n×n correlation matrix like any other.
/// </summary>
public static class SacRepresentation
{
    public static (float[] Source, float[] Suspect, string Description) Align(SuspectOutput source, SuspectOutput suspect, SacOutput preferred, double labelEpsilon)
    {
        if (source.Count != suspect.Count) throw new ArgumentException($"the suspect answered {suspect.Count} queries, the fingerprint has {source.Count}");
        switch (suspect.Mode)
        {
            case OutputMode.Logits when preferred == SacOutput.Logits:
                return (Reveal(source, OutputMode.Logits), suspect.Values!, "logits");
            case OutputMode.Logits:
            case OutputMode.Probabilities:
                return (Reveal(source, OutputMode.Probabilities), OutputReduction.Reveal(suspect, OutputMode.Probabilities).Values!, "probabilities");
            case OutputMode.TopK:
                return (OutputReduction.Reveal(source, OutputMode.TopK, suspect.K).Values!, suspect.Values!, $"top-{suspect.K} probabilities");
            default:
                return (SmoothLabels.FromLabels(source.Labels, source.Classes, labelEpsilon),
                        SmoothLabels.FromLabels(suspect.Labels, suspect.Classes, labelEpsilon),
                        "smoothed labels");
        }
    }

    static float[] Reveal(SuspectOutput source, OutputMode mode) => OutputReduction.Reveal(source, mode).Values!;
}

/// <summary>Which output SAC correlates when the suspect reveals logits (the authors' code: logits).</summary>
public enum SacOutput { Logits, Probabilities }
