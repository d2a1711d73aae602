using Lineage.Data;
using Lineage.Engine;
using Lineage.Models;

namespace Lineage.Attacks;

/// <summary>
/// Transfer learning to another label space (SAC §4.1 Transfer-L / Transfer-A): the source's head is replaced by
/// a fresh one for the new classes and trained on the thief's labelled data of the new task — only the head
/// (transfer-l) or all layers (transfer-a). The new task is either the thief's data regrouped onto Fashion-MNIST's
/// four super-classes (target=superclasses, <see cref="ClassMappings"/>; any 10-class set such as shapes works), or
/// the first <c>classes</c> classes of the context's transfer set (target=transfer-set: SAC moves CIFAR-10 models to
/// the first ten classes of CIFAR-100). Labels are the new task's ground truth; no queries. White-box.
/// </summary>
public sealed class TransferAttack : Attack
{
    public static AttackParameter[] Declared =>
    [
        new("target", "superclasses", "superclasses: the thief's data on 4 super-classes; transfer-set: the transfer set's first classes"),
        new("classes", "10", "target=transfer-set: how many of its first classes to keep"),
        .. AttackTraining.Parameters(epochs: 10, lr: 0.01),
    ];

    readonly bool allLayers;

    public TransferAttack(bool allLayers, IReadOnlyDictionary<string, string>? parameters = null)
        : base(allLayers ? "transfer-a" : "transfer-l", Declared, parameters)
    {
        this.allLayers = allLayers;
        Values.Choice("target", "superclasses", "transfer-set");
        Values.Int("classes", 2, 100000);
        AttackTraining.Options(Values, 0);
    }

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        Dataset train, test;
        if (Values.Choice("target", "superclasses", "transfer-set") == "superclasses")
        {
            train = ClassMappings.ToFashionMnistSuperClasses(context.ThiefData);
            test = ClassMappings.ToFashionMnistSuperClasses(context.Test);
        }
        else
        {
            var set = context.TransferSet ?? throw new ArgumentException($"{Name} with target=transfer-set needs a transfer set (the new task's data)");
            var setTest = context.TransferTest ?? throw new ArgumentException($"{Name} with target=transfer-set needs the transfer set's test part to measure accuracy");
            int classes = Values.Int("classes", 2, 100000);
            if (classes > set.NumClasses) throw new ArgumentException($"the transfer set has {set.NumClasses} classes, fewer than classes={classes}");
            train = ClassMappings.FirstClasses(set, classes);
            test = ClassMappings.FirstClasses(setTest, classes);
        }
        CheckCompatible(source, train, "transfer data");
        var model = CopyOf(source.Model);
        model.ReplaceHead(train.NumClasses, new Generator(context.Seed));
        if (!allLayers) FineTuneAttack.FreezeBody(model);
        AttackTraining.TrainHard(model, source.Preprocessing, train, AttackTraining.Options(Values, context.Seed), context,
            transform: allLayers ? null : batch => { model.Eval(); return batch; });
        model.SetRequiresGrad(true);
        return Finish(source, model, context, train, test: test);
    }
}
