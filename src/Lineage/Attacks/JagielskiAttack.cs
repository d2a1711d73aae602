using Lineage.Suspects;

namespace Lineage.Attacks;

/// <summary>
/// Jagielski et al.'s soft-label extraction as CAE describes it (CAE §2.4, Eq. 4): the source's probabilities
/// M(x) are post-processed into soft labels M'(x)_i = exp(M(x)_i^{1/T'}) / Σ_j exp(M(x)_j^{1/T'}), and a fresh
/// student is trained on them with soft-target cross-entropy. Eq. 4 is applied literally to the probabilities.
/// CAE does not state T'; the default 1 is ours. Black-box: one probability query per thief image.
/// </summary>
public sealed class JagielskiAttack(IReadOnlyDictionary<string, string>? parameters = null) : SoftLabelExtraction(AttackName, Declared, parameters)
{
    public const string AttackName = "jagielski";

    public static AttackParameter[] Declared =>
    [
        new("temperature", "1", "T' of CAE Eq. 4 (not stated in the paper)"),
        .. AttackTraining.StudentParameters,
        .. AttackTraining.Parameters(epochs: 10, lr: 0.05),
    ];

    protected override float[] SoftLabels(float[] probabilities, int n, int classes, double temperature) => Eq4(probabilities, n, classes, temperature);

    /// <summary>CAE Eq. 4: softmax over classes of p_i^{1/T'}.</summary>
    public static float[] Eq4(float[] probabilities, int n, int classes, double temperature)
    {
        var powered = probabilities.Select(p => (float)Math.Pow(Math.Max(p, 0), 1 / temperature)).ToArray();
        return OutputReduction.Softmax(powered, n, classes);
    }
}
