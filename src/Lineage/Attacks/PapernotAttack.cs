using Lineage.Data;
using Lineage.Engine;
using Lineage.Models;
using Lineage.Suspects;

namespace Lineage.Attacks;

/// <summary>
/// Papernot et al. 2017 ("Practical Black-Box Attacks against Machine Learning", Algorithm 1; CAE §2.4): start
/// from a small seed set drawn from the thief's data, labelled by the source; then for each substitute round train
/// the substitute from scratch on everything labelled so far and grow the set by Jacobian-based augmentation
/// x' = clip(x + λ · sign(∂F_{O(x)}(x) / ∂x)), where F is the SUBSTITUTE's logit for the source's label O(x);
/// the new points are sent to the source for labels. The set doubles every round, so the source answers
/// seed_size · 2^(rounds−1) queries. λ = 0.1 on [0,1] pixels as in the paper. Black-box: label queries only.
/// </summary>
public sealed class PapernotAttack : Attack
{
    public const string AttackName = "papernot";

    public static AttackParameter[] Declared =>
    [
        new("seed_size", "150", "initial substitute training set drawn from the thief's data (Papernot: 150)"),
        new("lambda", "0.1", "Jacobian augmentation step λ on [0,1] pixels"),
        new("rounds", "6", "substitute training rounds ρ (augmentations between them: rounds − 1)"),
        .. AttackTraining.StudentParameters,
        .. AttackTraining.Parameters(epochs: 10, lr: 0.05),
    ];

    public PapernotAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
    {
        Values.Int("seed_size", 1);
        Values.Double("lambda", 0, 1);
        Values.Int("rounds", 1, 20);
        AttackTraining.ValidateStudent(Values);
        AttackTraining.Options(Values, 0);
    }

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        CheckCompatible(source, context.ThiefData, "thief data");
        var thief = context.ThiefData;
        int seedSize = Math.Min(thief.Count, Values.Int("seed_size", 1)), rounds = Values.Int("rounds", 1, 20);
        float lambda = (float)Values.Double("lambda", 0, 1);
        var gen = new Generator(context.Seed);
        var seedSet = thief.Subset(gen.Permutation(thief.Count).Take(seedSize).ToArray(), thief.Origin.WithSplit("papernot-seed", context.Seed, seedSize));
        var oracle = new SourceOracle(source, OutputMode.Label);
        var images = new List<float>(seedSet.Images);
        var labels = new List<int>(oracle.Labels(seedSet));
        var baseOptions = AttackTraining.Options(Values, context.Seed);
        Lineage.Models.Architectures.Classifier substitute = null!;
        for (int round = 0; round < rounds; round++)
        {
            var set = new Dataset(images.ToArray(), labels.ToArray(), thief.ClassNames, thief.Preprocessing, seedSet.Origin);
            // Papernot retrains the substitute from scratch on each round's set
            substitute = AttackTraining.NewStudent(Values, source.Spec, oracle.Classes, context.Seed);
            AttackTraining.TrainHard(substitute, source.Preprocessing, set, baseOptions with { Seed = context.Seed + round }, context);
            if (round == rounds - 1) break;
            var augmented = Augment(substitute, source.Preprocessing, set, lambda);
            var answered = oracle.Query(augmented, set.Count, thief.ImageShape).Labels;
            images.AddRange(augmented);
            labels.AddRange(answered);
        }
        var final = new Dataset(images.ToArray(), labels.ToArray(), thief.ClassNames, thief.Preprocessing, seedSet.Origin);
        return Finish(source, substitute, context, final, oracle.QueriesSpent, measured: new Dictionary<string, string>
        {
            ["substitute_set"] = final.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
    }

    /// <summary>x + λ · sign of the gradient of the substitute's logit for each point's label, clipped to [0,1].</summary>
    static float[] Augment(Lineage.Models.Architectures.Classifier substitute, Preprocessing pre, Dataset set, float lambda)
    {
        substitute.Eval();
        var result = new float[set.Images.Length];
        int size = set.ImageSize;
        for (int start = 0; start < set.Count; start += 128)
        {
            using var scope = TensorScope.Begin();
            var idx = Enumerable.Range(start, Math.Min(128, set.Count - start)).ToArray();
            var x = set.Gather(idx).Detach().RequireGrad();
            var logits = substitute.Forward(pre.Apply(x));
            var chosen = (logits * Tensor.OneHot(idx.Select(i => set.Labels[i]).ToArray(), logits.Shape[1])).Sum();
            var grad = Autograd.Grad(chosen, [x])[0].Span;
            var xs = x.Span;
            for (int i = 0; i < xs.Length; i++)
                result[start * size + i] = Math.Clamp(xs[i] + lambda * MathF.Sign(grad[i]), 0f, 1f);
        }
        return result;
    }
}
