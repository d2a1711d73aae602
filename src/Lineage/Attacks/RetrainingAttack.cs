using Lineage.Models;
using Lineage.Suspects;

namespace Lineage.Attacks;

/// <summary>
/// CAE's Retraining (CAE §2.4: distillation with temperature T = 1): a fresh student trained on the thief's data
/// against the source's probability vectors, softmax(z / T), with soft-target cross-entropy. CAE's own surrogates
/// are made this way. Black-box: one probability query per thief image.
/// </summary>
public sealed class RetrainingAttack : Attack
{
    public const string AttackName = "retraining";

    public static AttackParameter[] Declared =>
    [
        new("temperature", "1", "distillation temperature T (CAE: 1)"),
        .. AttackTraining.StudentParameters,
        .. AttackTraining.Parameters(epochs: 10, lr: 0.05),
    ];

    public RetrainingAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
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
        var targets = ExtractProbabilitiesAttack.Tempered(answer.Values!, answer.Count, answer.Classes, (float)Values.Double("temperature", 1e-3, 1e6));
        var data = AttackTraining.WithLabels(context.ThiefData, answer.Labels);
        var student = AttackTraining.NewStudent(Values, source.Spec, answer.Classes, context.Seed);
        AttackTraining.TrainSoft(student, source.Preprocessing, data, targets, answer.Classes, AttackTraining.Options(Values, context.Seed), context);
        return Finish(source, student, context, context.ThiefData, oracle.QueriesSpent);
    }
}
