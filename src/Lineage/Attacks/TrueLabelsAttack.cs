using Lineage.Engine;
using Lineage.Models;
using Lineage.Suspects;

namespace Lineage.Attacks;

/// <summary>
/// CAE's True Labels attack (CAE §6): the thief knows the ground truth for a fraction ρ of their data (CAE: 5%–40%)
/// and labels only the rest by the source; a fresh student trains on the mix with cross-entropy. Black-box: one
/// label query per image without a known label. Records how many labels were true.
/// </summary>
public sealed class TrueLabelsAttack : Attack
{
    public const string AttackName = "true-labels";

    public static AttackParameter[] Declared =>
    [
        new("rho", "0.2", "fraction ρ of the thief's data with ground-truth labels (CAE: 0.05–0.4)"),
        .. AttackTraining.StudentParameters,
        .. AttackTraining.Parameters(epochs: 10, lr: 0.05),
    ];

    public TrueLabelsAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
    {
        Values.Double("rho", 0, 1);
        AttackTraining.ValidateStudent(Values);
        AttackTraining.Options(Values, 0);
    }

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        CheckCompatible(source, context.ThiefData, "thief data");
        var thief = context.ThiefData;
        int known = (int)Math.Round(Values.Double("rho", 0, 1) * thief.Count);
        var order = new Generator(context.Seed).Permutation(thief.Count);
        var queried = order.Skip(known).ToArray();
        var labels = (int[])thief.Labels.Clone();
        var oracle = new SourceOracle(source, OutputMode.Label);
        if (queried.Length > 0)
        {
            var answers = oracle.Labels(thief.Subset(queried));
            for (int i = 0; i < queried.Length; i++) labels[queried[i]] = answers[i];
        }
        var student = AttackTraining.NewStudent(Values, source.Spec, oracle.Classes, context.Seed);
        AttackTraining.TrainHard(student, source.Preprocessing, AttackTraining.WithLabels(thief, labels), AttackTraining.Options(Values, context.Seed), context);
        return Finish(source, student, context, thief, oracle.QueriesSpent, measured: new Dictionary<string, string>
        {
            ["true_labels"] = known.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }
}
