using Lineage.Models;
using Lineage.Suspects;

namespace Lineage.Attacks;

/// <summary>
/// The shared shape of soft-label extraction (CAE's retraining, Jagielski et al.): query the source's
/// probabilities once per thief image, turn them into soft labels, and train a fresh student on them
/// with soft-target cross-entropy. Subclasses say only how probabilities become soft labels.
/// </summary>
public abstract class SoftLabelExtraction : Attack
{
    protected SoftLabelExtraction(string name, AttackParameter[] declared, IReadOnlyDictionary<string, string>? parameters) : base(name, declared, parameters)
    {
        Values.Double("temperature", 1e-3, 1e6);
        AttackTraining.ValidateStudent(Values);
        AttackTraining.Options(Values, 0);
    }

    /// <summary>Soft labels [n, classes] from the source's probabilities.</summary>
    protected abstract float[] SoftLabels(float[] probabilities, int n, int classes, double temperature);

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
}
