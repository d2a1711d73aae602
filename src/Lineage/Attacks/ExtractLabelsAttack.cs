using Lineage.Models;
using Lineage.Suspects;

namespace Lineage.Attacks;

/// <summary>
/// Label-based model extraction (SAC §4.1 Extract-L: L = CE(f_stolen(x), l_source)): a fresh student (the source's
/// architecture unless arch= says otherwise) trained from scratch on the thief's data labelled by the source's
/// top-1 answers. Black-box: one label query per thief image.
/// </summary>
public sealed class ExtractLabelsAttack : Attack
{
    public const string AttackName = "extract-l";

    public static AttackParameter[] Declared => [.. AttackTraining.StudentParameters, .. AttackTraining.Parameters(epochs: 10, lr: 0.05)];

    public ExtractLabelsAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
    {
        AttackTraining.ValidateStudent(Values);
        AttackTraining.Options(Values, 0);
    }

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        CheckCompatible(source, context.ThiefData, "thief data");
        var oracle = new SourceOracle(source, OutputMode.Label);
        var data = AttackTraining.WithLabels(context.ThiefData, oracle.Labels(context.ThiefData));
        var student = AttackTraining.NewStudent(Values, source.Spec, oracle.Classes, context.Seed);
        AttackTraining.TrainHard(student, source.Preprocessing, data, AttackTraining.Options(Values, context.Seed), context);
        return Finish(source, student, context, context.ThiefData, oracle.QueriesSpent);
    }
}
