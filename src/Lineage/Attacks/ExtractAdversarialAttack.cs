using Lineage.Adversarial;
using Lineage.Models;
using Lineage.Suspects;

namespace Lineage.Attacks;

/// <summary>
/// Adversarial model extraction (SAC §4.1 Extract-Adv, Eq. 6: min_θ Σ_i max_{‖δ‖≤ε} l(f_stolen(x_i + δ), f_source(x_i))):
/// label-based extraction first, then adversarial training of the student against the SOURCE's labels with L∞ PGD,
/// ε = 4/256, step 1/256, 30 steps (SAC's settings; every batch fully adversarial as in Eq. 6). Black-box: one label
/// query per thief image; the adversarial examples are crafted on the thief's own student.
/// </summary>
public sealed class ExtractAdversarialAttack : Attack
{
    public const string AttackName = "extract-adv";

    public static AttackParameter[] Declared =>
    [
        new("epsilon", "4/256", "L∞ radius ε of the PGD examples"),
        new("step", "1/256", "PGD step size"),
        new("steps", "30", "PGD iterations"),
        new("adv_epochs", "5", "epochs of adversarial training after the extraction epochs"),
        .. AttackTraining.StudentParameters,
        .. AttackTraining.Parameters(epochs: 10, lr: 0.05),
    ];

    public ExtractAdversarialAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
    {
        PgdOptions(Values);
        Values.Int("adv_epochs", 0, 100000);
        AttackTraining.ValidateStudent(Values);
        AttackTraining.Options(Values, 0);
    }

    static GradientAttackOptions PgdOptions(AttackParameters p) =>
        GradientAttackOptions.Pgd((float)p.Double("epsilon", 0, 1), (float)p.Double("step", 0, 1), p.Int("steps", 1, 10000));

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        CheckCompatible(source, context.ThiefData, "thief data");
        var oracle = new SourceOracle(source, OutputMode.Label);
        var data = AttackTraining.WithLabels(context.ThiefData, oracle.Labels(context.ThiefData));
        var student = AttackTraining.NewStudent(Values, source.Spec, oracle.Classes, context.Seed);
        var options = AttackTraining.Options(Values, context.Seed);
        AttackTraining.TrainHard(student, source.Preprocessing, data, options, context);
        int advEpochs = Values.Int("adv_epochs", 0, 100000);
        if (advEpochs > 0)
            AttackTraining.TrainHard(student, source.Preprocessing, data, options with { Epochs = advEpochs, Seed = context.Seed + 1 }, context,
                transform: AdversarialBatches.Create(student, source.Preprocessing, PgdOptions(Values), fraction: 1, seed: context.Seed));
        return Finish(source, student, context, context.ThiefData, oracle.QueriesSpent);
    }
}
