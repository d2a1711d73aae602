using Lineage.Engine;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Suspects;

namespace Lineage.Attacks;

/// <summary>Which layers a fine-tuning attack re-initialises and trains (CAE §6: FTLL, FTAL, RTLL, RTAL).</summary>
public enum FineTuneKind { Ftll, Ftal, Rtll, Rtal }

/// <summary>
/// Fine-tuning removal attacks (CAE §6 "Fine-Tuning"; SAC §4.1 Finetune-L/-A): continue training the source
/// on the thief's data labelled by the source (black-box label queries) or, with labels=truth, by ground
/// truth. FTLL trains only the last layer; FTAL all layers; RTLL re-initialises the last layer and trains
/// only it; RTAL re-initialises the last layer and trains all layers. White-box: starts from the source's weights.
/// </summary>
public sealed class FineTuneAttack : Attack
{
    public static AttackParameter[] Declared =>
    [
        new("labels", "source", "source: the source's labels (black-box queries); truth: the thief's ground truth"),
        .. AttackTraining.Parameters(epochs: 10, lr: 0.01),
    ];

    readonly FineTuneKind kind;

    public FineTuneAttack(FineTuneKind kind, IReadOnlyDictionary<string, string>? parameters = null)
        : base(NameOf(kind), Declared, parameters)
    {
        this.kind = kind;
        Values.Choice("labels", "source", "truth");
        AttackTraining.Options(Values, 0);
    }

    public static string NameOf(FineTuneKind kind) => kind.ToString().ToLowerInvariant();

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        CheckCompatible(source, context.ThiefData, "thief data");
        var model = CopyOf(source.Model);
        if (kind is FineTuneKind.Rtll or FineTuneKind.Rtal) model.ReplaceHead(model.Spec.Classes, new Generator(context.Seed));
        bool lastOnly = kind is FineTuneKind.Ftll or FineTuneKind.Rtll;
        var (data, queries) = Labelled(source, context, Values.Choice("labels", "source", "truth"));
        if (lastOnly) FreezeBody(model);
        AttackTraining.TrainHard(model, source.Preprocessing, data, AttackTraining.Options(Values, context.Seed), context,
            transform: lastOnly ? batch => { model.Eval(); return batch; } : null);
        model.SetRequiresGrad(true);
        return Finish(source, model, context, context.ThiefData, queries);
    }

    /// <summary>Only the head trains. The Trainer's transform runs after it switches the model to training mode,
    /// so last-layer attacks use it to put the frozen body back in eval mode: batch-norm statistics and dropout
    /// of layers the attack does not train must not change either.</summary>
    internal static void FreezeBody(Classifier model)
    {
        model.SetRequiresGrad(false);
        model.Head.SetRequiresGrad(true);
    }

    /// <summary>The thief's data under the labels the attack trains on, and the queries that cost (null for ground truth).</summary>
    internal static (Lineage.Data.Dataset Data, long? Queries) Labelled(ModelFile source, AttackContext context, string labels)
    {
        if (labels == "truth") return (context.ThiefData, null);
        var oracle = new SourceOracle(source, OutputMode.Label);
        var data = AttackTraining.WithLabels(context.ThiefData, oracle.Labels(context.ThiefData));
        return (data, oracle.QueriesSpent);
    }
}
