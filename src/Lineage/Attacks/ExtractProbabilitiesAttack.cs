using Lineage.Engine;
using Lineage.Models;
using Lineage.Suspects;

namespace Lineage.Attacks;

/// <summary>
/// Probability-based model extraction (SAC §4.1 Extract-P, Eq. 9):
/// L = α · KL(f_stolen^T(x), f_source^T(x)) + (1 − α) · CE(f_stolen(x), l_source), f^T = softmax(f / T), T = 20, α = 0.9.
/// Eq. 9 is followed as written: no T² factor on the KL term. The KL is taken as in the authors' PyTorch idiom
/// KLDivLoss(log f_stolen^T, f_source^T), i.e. KL(f_source^T ‖ f_stolen^T), batch mean. The source reveals only
/// probabilities p; softmax(log p / T) equals softmax(z / T) for its logits z (they differ by a per-row constant),
/// so the tempered teacher is exact. Black-box: one probability query per thief image.
/// </summary>
public sealed class ExtractProbabilitiesAttack : Attack
{
    public const string AttackName = "extract-p";

    public static AttackParameter[] Declared =>
    [
        new("temperature", "20", "T of Eq. 9"),
        new("alpha", "0.9", "α of Eq. 9: weight of the KL term"),
        .. AttackTraining.StudentParameters,
        .. AttackTraining.Parameters(epochs: 10, lr: 0.05),
    ];

    public ExtractProbabilitiesAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
    {
        Values.Double("temperature", 1e-3, 1e6);
        Values.Double("alpha", 0, 1);
        AttackTraining.ValidateStudent(Values);
        AttackTraining.Options(Values, 0);
    }

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        CheckCompatible(source, context.ThiefData, "thief data");
        float t = (float)Values.Double("temperature", 1e-3, 1e6), alpha = (float)Values.Double("alpha", 0, 1);
        var oracle = new SourceOracle(source, OutputMode.Probabilities);
        var answer = oracle.Query(context.ThiefData);
        int classes = answer.Classes;
        var teacherT = Tempered(answer.Values!, answer.Count, classes, t);
        var data = AttackTraining.WithLabels(context.ThiefData, answer.Labels);
        var student = AttackTraining.NewStudent(Values, source.Spec, classes, context.Seed);
        Lineage.Models.Training.Trainer.Train(student, source.Preprocessing, data, AttackTraining.Options(Values, context.Seed),
            loss: (logits, batch) =>
            {
                var kl = Functional.KlDiv(Functional.LogSoftmax(logits / t, 1), AttackTraining.Rows(teacherT, classes, batch.Indices));
                var ce = Functional.CrossEntropy(logits, batch.Labels);
                return kl * alpha + ce * (1 - alpha);
            },
            progress: context.Progress, cancel: context.Cancel);
        return Finish(source, student, context, context.ThiefData, oracle.QueriesSpent);
    }

    /// <summary>softmax(log p / T) per row, in double.</summary>
    public static float[] Tempered(float[] probabilities, int n, int classes, float temperature)
    {
        var logits = probabilities.Select(p => (float)(Math.Log(Math.Max(p, 1e-30)) / temperature)).ToArray();
        return OutputReduction.Softmax(logits, n, classes);
    }
}
