using Lineage.Engine;
using Lineage.Models;

namespace Lineage.Attacks;

/// <summary>
/// Weight noising then fine-tuning (a removal attack of FingerBench-style zoos): add Gaussian noise to every
/// conv and linear weight tensor, with standard deviation <c>sigma</c> times that tensor's own standard
/// deviation (so one setting perturbs wide and narrow layers alike), then fine-tune all layers to recover
/// accuracy (epochs=0 keeps the noisy model). White-box.
/// </summary>
public sealed class WeightNoiseAttack : Attack
{
    public const string AttackName = "weight-noise";

    public static AttackParameter[] Declared =>
    [
        new("sigma", "0.1", "noise standard deviation relative to each weight tensor's standard deviation"),
        new("labels", "source", "fine-tuning labels: source (black-box queries) or truth"),
        .. AttackTraining.Parameters(epochs: 5, lr: 0.01),
    ];

    public WeightNoiseAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
    {
        Values.Double("sigma", 0, 100);
        Values.Choice("labels", "source", "truth");
        AttackTraining.Options(Values, 0);
    }

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        CheckCompatible(source, context.ThiefData, "thief data");
        var model = CopyOf(source.Model);
        double sigma = Values.Double("sigma", 0, 100);
        var gen = new Generator(context.Seed);
        foreach (var (_, w) in PruneAttack.PrunableWeights(model))
        {
            var d = w.Span;
            double mean = 0, sq = 0;
            foreach (var v in d) { mean += v; sq += (double)v * v; }
            mean /= d.Length;
            double std = Math.Sqrt(Math.Max(0, sq / d.Length - mean * mean));
            for (int i = 0; i < d.Length; i++) d[i] += (float)(sigma * std * gen.NextNormal());
        }
        long? queries = null;
        var options = AttackTraining.Options(Values, context.Seed);
        if (options.Epochs > 0)
        {
            var (data, q) = FineTuneAttack.Labelled(source, context, Values.Choice("labels", "source", "truth"));
            queries = q;
            AttackTraining.TrainHard(model, source.Preprocessing, data, options, context);
        }
        return Finish(source, model, context, context.ThiefData, queries);
    }
}
