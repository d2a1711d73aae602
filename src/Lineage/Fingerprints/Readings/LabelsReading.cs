using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>Hard labels: the labels the fingerprint expects (the source's labels on its queries) and the suspect's
/// top-1 labels. Every output mode reveals a label, so every suspect can be read this way.</summary>
public sealed class LabelsReading : IAnswerReading<int[]>
{
    public IReadOnlyList<OutputView> Views(Fingerprint fingerprint) => [new(OutputMode.Label)];

    public Reading<int[]> Read(Fingerprint fingerprint, SuspectOutput answers)
        => new(fingerprint.ExpectedLabels ?? fingerprint.SourceOutput.Labels, answers.Labels, "labels");
}
