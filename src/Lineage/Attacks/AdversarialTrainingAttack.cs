using Lineage.Adversarial;
using Lineage.Models;

namespace Lineage.Attacks;

/// <summary>
/// Adversarial fine-tuning of the source (CAE §6 "Adversarial Training", FGM and PGD): fine-tune all layers on
/// the thief's data where a fraction r of each batch is replaced by FGSM or L∞ PGD examples crafted against the
/// model being tuned. CAE states no ε; the defaults (8/255, step 2/255, 10 steps, r = 0.5) are Madry et al.'s
/// CIFAR settings. Labels from the source (black-box queries) or ground truth. White-box: starts from the weights.
/// </summary>
public sealed class AdversarialTrainingAttack : Attack
{
    public const string AttackName = "adv-train";

    public static AttackParameter[] Declared =>
    [
        new("method", "pgd", "fgsm or pgd"),
        new("epsilon", "8/255", "L∞ radius ε"),
        new("step", "2/255", "PGD step size"),
        new("steps", "10", "PGD iterations"),
        new("fraction", "0.5", "fraction r of each batch replaced by adversarial examples"),
        new("labels", "source", "source (black-box queries) or truth"),
        .. AttackTraining.Parameters(epochs: 5, lr: 0.01),
    ];

    public AdversarialTrainingAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
    {
        AttackOptions(Values);
        Values.Double("fraction", 0, 1);
        Values.Choice("labels", "source", "truth");
        AttackTraining.Options(Values, 0);
    }

    static GradientAttackOptions AttackOptions(AttackParameters p)
    {
        float eps = (float)p.Double("epsilon", 0, 1);
        return p.Choice("method", "fgsm", "pgd") == "fgsm"
            ? GradientAttackOptions.Fgsm(eps)
            : GradientAttackOptions.Pgd(eps, (float)p.Double("step", 0, 1), p.Int("steps", 1, 10000));
    }

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        CheckCompatible(source, context.ThiefData, "thief data");
        var model = CopyOf(source.Model);
        var (data, queries) = FineTuneAttack.Labelled(source, context, Values.Choice("labels", "source", "truth"));
        AttackTraining.TrainHard(model, source.Preprocessing, data, AttackTraining.Options(Values, context.Seed), context,
            transform: AdversarialBatches.Create(model, source.Preprocessing, AttackOptions(Values), Values.Double("fraction", 0, 1), context.Seed));
        return Finish(source, model, context, context.ThiefData, queries);
    }
}
