using Lineage.Models;
using Lineage.Suspects;

namespace Lineage.Attacks;

/// <summary>
/// Jagielski et al.'s soft-label extraction as CAE describes it (CAE §2.4, Eq. 4): the source's probabilities
/// M(x) are post-processed into soft labels M'(x)_i = exp(M(x)_i^{1/T'}) / Σ_j exp(M(x)_j^{1/T'}), and a fresh
/// student is trained on them with soft-target cross-entropy. Eq. 4 is applied literally to the probabilities.
/// CAE does not state T'; the default 1 is ours. Black-box: one probability query per thief image.
/// </summary>
public sealed class JagielskiAttack : Attack
{
    public const string AttackName = "jagielski";

    public static AttackParameter[] Declared =>
    [
        new("temperature", "1", "T' of CAE Eq. 4 (not stated in the paper)"),
        .. AttackTraining.StudentParameters,
        .. AttackTraining.Parameters(epochs: 10, lr: 0.05),
    ];

    public JagielskiAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
    {
        Values.Double("temperature", 1e-3, 1e6);
        AttackTraining.ValidateStudent(Values);
        AttackTraining.Options(Values, 0);
    }

    public override AttackCategory Category => AttackCategory.Extraction;

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        CheckCompatible(source, context.ThiefData, "thief data");
        var oracle = new SourceOracle(source, OutputMode.Probabilities);
        var answer = oracle.Query(context.ThiefData);
        var targets = SoftLabels(answer.Values!, answer.Count, answer.Classes, Values.Double("temperature", 1e-3, 1e6));
        var data = AttackTraining.WithLabels(context.ThiefData, answer.Labels);
        var student = AttackTraining.NewStudent(Values, source.Spec, answer.Classes, context.Seed);
        AttackTraining.TrainSoft(student, source.Preprocessing, data, targets, answer.Classes, AttackTraining.Options(Values, context.Seed), context);
        return Finish(source, student, context, context.ThiefData, oracle.QueriesSpent);
    }

    /// <summary>CAE Eq. 4: softmax over classes of p_i^{1/T'}.</summary>
    public static float[] SoftLabels(float[] probabilities, int n, int classes, double temperature)
    {
        var powered = probabilities.Select(p => (float)Math.Pow(Math.Max(p, 0), 1 / temperature)).ToArray();
        return OutputReduction.Softmax(powered, n, classes);
    }
}
