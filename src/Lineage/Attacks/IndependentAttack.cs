using Lineage.Models;
using Lineage.Models.Training;

namespace Lineage.Attacks;

/// <summary>
/// No attack: a model trained from scratch on the thief's data with its ground-truth labels — a negative for
/// fingerprinting ("mirror" with the source's architecture, or another one with arch=). It uses only the source's
/// architecture spec and input preprocessing, never its weights or answers, and its lineage is a fresh "train"
/// record with no parent. Like every model file it can itself be attacked afterwards. The same thing as a
/// <see cref="TrainingJob"/> run; here so zoo specs can list negatives beside attacks.
/// </summary>
public sealed class IndependentAttack : Attack
{
    public const string AttackName = "independent";

    public static AttackParameter[] Declared => [.. AttackTraining.StudentParameters, .. AttackTraining.Parameters(epochs: 10, lr: 0.05)];

    public IndependentAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
    {
        AttackTraining.ValidateStudent(Values);
        AttackTraining.Options(Values, 0);
    }

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        CheckCompatible(source, context.ThiefData, "thief data");
        var model = AttackTraining.NewStudent(Values, source.Spec, source.Spec.Classes, context.Seed);
        var options = AttackTraining.Options(Values, context.Seed);
        AttackTraining.TrainHard(model, source.Preprocessing, context.ThiefData, options, context);
        model.Eval();
        return TrainingJob.Package(model, source.Preprocessing, context.ThiefData, options, Evaluate.Accuracy(model, source.Preprocessing, context.Test));
    }
}
