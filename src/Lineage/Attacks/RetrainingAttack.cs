namespace Lineage.Attacks;

/// <summary>
/// CAE's Retraining (CAE §2.4: distillation with temperature T = 1): a fresh student trained on the thief's data
/// against the source's probability vectors, softmax(z / T), with soft-target cross-entropy. CAE's own surrogates
/// are made this way. Black-box: one probability query per thief image.
/// </summary>
public sealed class RetrainingAttack(IReadOnlyDictionary<string, string>? parameters = null) : SoftLabelExtraction(AttackName, Declared, parameters)
{
    public const string AttackName = "retraining";

    public static AttackParameter[] Declared =>
    [
        new("temperature", "1", "distillation temperature T (CAE: 1)"),
        .. AttackTraining.StudentParameters,
        .. AttackTraining.Parameters(epochs: 10, lr: 0.05),
    ];

    protected override float[] SoftLabels(float[] probabilities, int n, int classes, double temperature)
        => ExtractProbabilitiesAttack.Tempered(probabilities, n, classes, (float)temperature);
}
