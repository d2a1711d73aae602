using Lineage.Data;
using Lineage.Engine;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Suspects;

namespace Lineage.Attacks;

/// <summary>
/// CAE's Ensemble attack (CAE §6): n surrogates, each a fresh student trained on its own disjoint part of the
/// thief's data labelled by the source, deployed as one model answering by average voting
/// (<see cref="EnsembleClassifier"/>, which saves and loads like any model file). Black-box: one label query per
/// thief image.
/// </summary>
public sealed class EnsembleAttack : Attack
{
    public const string AttackName = "ensemble";

    public static AttackParameter[] Declared =>
    [
        new("n", "3", "number of surrogates (CAE: 3)"),
        .. AttackTraining.StudentParameters,
        .. AttackTraining.Parameters(epochs: 10, lr: 0.05),
    ];

    public EnsembleAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
    {
        Values.Int("n", 1, 100);
        AttackTraining.ValidateStudent(Values);
        AttackTraining.Options(Values, 0);
    }

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        CheckCompatible(source, context.ThiefData, "thief data");
        int n = Values.Int("n", 1, 100);
        if (context.ThiefData.Count < n) throw new ArgumentException($"{n} surrogates need at least {n} thief images, got {context.ThiefData.Count}");
        var oracle = new SourceOracle(source, OutputMode.Label);
        var labelled = AttackTraining.WithLabels(context.ThiefData, oracle.Labels(context.ThiefData));
        var order = new Generator(context.Seed).Permutation(labelled.Count);
        var members = new List<Classifier>();
        for (int m = 0; m < n; m++)
        {
            var part = order.Where((_, i) => i % n == m).ToArray();
            var data = labelled.Subset(part, labelled.Origin.WithSplit($"ensemble-part-{m + 1}-of-{n}", context.Seed, part.Length));
            var member = AttackTraining.NewStudent(Values, source.Spec, oracle.Classes, context.Seed + m);
            AttackTraining.TrainHard(member, source.Preprocessing, data, AttackTraining.Options(Values, context.Seed + m), context);
            members.Add(member);
        }
        return Finish(source, EnsembleClassifier.Of(members), context, context.ThiefData, oracle.QueriesSpent);
    }
}
