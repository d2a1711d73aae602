using Lineage.Engine;
using Lineage.Models;
using Lineage.Suspects;

namespace Lineage.Attacks;

/// <summary>
/// CAE's Noise attack (CAE §6): the thief labels their data with the source's probability vectors p and trains a
/// fresh student on (1 − λ) · p + λ · u, u a uniform random vector normalised to sum to one (so the target stays a
/// distribution), with soft-target cross-entropy. CAE evaluates λ from 0.05 to 0.5. Black-box: one probability
/// query per thief image.
/// </summary>
public sealed class PredictionNoiseAttack : Attack
{
    public const string AttackName = "noise";

    public static AttackParameter[] Declared =>
    [
        new("lambda", "0.1", "weight λ of the uniform noise vector (CAE: 0.05–0.5)"),
        .. AttackTraining.StudentParameters,
        .. AttackTraining.Parameters(epochs: 10, lr: 0.05),
    ];

    public PredictionNoiseAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
    {
        Values.Double("lambda", 0, 1);
        AttackTraining.ValidateStudent(Values);
        AttackTraining.Options(Values, 0);
    }

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        CheckCompatible(source, context.ThiefData, "thief data");
        float lambda = (float)Values.Double("lambda", 0, 1);
        var oracle = new SourceOracle(source, OutputMode.Probabilities);
        var answer = oracle.Query(context.ThiefData);
        int c = answer.Classes;
        var targets = new float[answer.Count * c];
        var gen = new Generator(context.Seed);
        var noise = new float[c];
        for (int r = 0; r < answer.Count; r++)
        {
            float sum = 0;
            for (int j = 0; j < c; j++) { noise[j] = gen.NextFloat(); sum += noise[j]; }
            for (int j = 0; j < c; j++) targets[r * c + j] = (1 - lambda) * answer.Values![r * c + j] + lambda * (sum > 0 ? noise[j] / sum : 1f / c);
        }
        var data = AttackTraining.WithLabels(context.ThiefData, answer.Labels);
        var student = AttackTraining.NewStudent(Values, source.Spec, c, context.Seed);
        AttackTraining.TrainSoft(student, source.Preprocessing, data, targets, c, AttackTraining.Options(Values, context.Seed), context);
        return Finish(source, student, context, context.ThiefData, oracle.QueriesSpent);
    }
}
