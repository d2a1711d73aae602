using Lineage.Engine;
using Lineage.Models;
using Lineage.Suspects;

namespace Lineage.Attacks;

/// <summary>
/// Knockoff Nets (Orekondy et al. 2019, random selection; CAE §2.4): the thief queries the source with images
/// drawn at random from a transfer set of another distribution (CAE uses one with nine times the classes) and
/// trains a fresh student on the answered probability vectors (soft-target cross-entropy). Needs the context's
/// transfer set, with the source's image shape. Black-box: one probability query per selected image.
/// </summary>
public sealed class KnockoffAttack : Attack
{
    public const string AttackName = "knockoff";

    public static AttackParameter[] Declared =>
    [
        new("samples", "", "how many transfer-set images to select at random (default: all)"),
        .. AttackTraining.StudentParameters,
        .. AttackTraining.Parameters(epochs: 10, lr: 0.05),
    ];

    public KnockoffAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
    {
        if (Values.Optional("samples") is not null) Values.Int("samples", 1);
        AttackTraining.ValidateStudent(Values);
        AttackTraining.Options(Values, 0);
    }

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        var transfer = context.TransferSet ?? throw new ArgumentException("knockoff needs a transfer set (images of another distribution) to query the source with");
        CheckCompatible(source, transfer, "transfer set");
        int samples = Values.Optional("samples") is null ? transfer.Count : Math.Min(transfer.Count, Values.Int("samples", 1));
        var chosen = transfer.Subset(new Generator(context.Seed).Permutation(transfer.Count).Take(samples).ToArray(),
            transfer.Origin.WithSplit("knockoff-random", context.Seed, samples));
        var oracle = new SourceOracle(source, OutputMode.Probabilities);
        var answer = oracle.Query(chosen);
        // the transfer set's own labels mean nothing to the source's task; the student learns the source's answers
        var data = new Lineage.Data.Dataset(chosen.Images, answer.Labels, context.Test.ClassNames, chosen.Preprocessing, chosen.Origin);
        var student = AttackTraining.NewStudent(Values, source.Spec, answer.Classes, context.Seed);
        AttackTraining.TrainSoft(student, source.Preprocessing, data, answer.Values!, answer.Classes, AttackTraining.Options(Values, context.Seed), context);
        return Finish(source, student, context, chosen, oracle.QueriesSpent);
    }
}
