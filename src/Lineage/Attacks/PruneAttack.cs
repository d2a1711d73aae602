using Lineage.Engine;
using Lineage.Engine.Nn;
using Lineage.Models;
using Lineage.Models.Architectures;

namespace Lineage.Attacks;

/// <summary>
/// Weight-magnitude pruning then fine-tuning (Han et al. 2015; the pruning attack of the fingerprinting
/// papers' zoos): zero the fraction <c>rate</c> of conv and linear weights with the smallest magnitude, over
/// all layers at once (scope=global) or within each layer (scope=layer), then fine-tune all layers with the
/// pruned weights held at zero. White-box.
/// </summary>
public sealed class PruneAttack : Attack
{
    public const string AttackName = "prune";

    public static AttackParameter[] Declared =>
    [
        new("rate", "0.5", "fraction of conv/linear weights set to zero"),
        new("scope", "global", "global: one magnitude threshold for all layers; layer: the same rate in every layer"),
        new("labels", "source", "fine-tuning labels: source (black-box queries) or truth"),
        .. AttackTraining.Parameters(epochs: 5, lr: 0.01),
    ];

    public PruneAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
    {
        Values.Double("rate", 0, 1);
        Values.Choice("scope", "global", "layer");
        Values.Choice("labels", "source", "truth");
        AttackTraining.Options(Values, 0);
    }

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        CheckCompatible(source, context.ThiefData, "thief data");
        var model = CopyOf(source.Model);
        var mask = MagnitudeMask(model, Values.Double("rate", 0, 1), Values.Choice("scope", "global", "layer") == "global");
        mask.Apply();
        var (data, queries) = FineTuneAttack.Labelled(source, context, Values.Choice("labels", "source", "truth"));
        var options = AttackTraining.Options(Values, context.Seed);
        if (options.Epochs > 0)
            AttackTraining.TrainHard(model, source.Preprocessing, data, options, context, transform: batch => { mask.Apply(); return batch; });
        mask.Apply();
        return Finish(source, model, context, context.ThiefData, queries,
            measured: new Dictionary<string, string> { ["sparsity"] = Format((double)mask.Masked / mask.Total) });
    }

    /// <summary>The weights pruning considers: conv kernels and linear matrices (biases and norm scales stay).</summary>
    public static IEnumerable<(string Name, Tensor Tensor)> PrunableWeights(Module model) =>
        model.NamedParameters().Where(p => p.Tensor.Rank >= 2 && (p.Name == "weight" || p.Name.EndsWith(".weight", StringComparison.Ordinal)));

    /// <summary>Marks the floor(rate · n) smallest-magnitude weights (ties broken by position, so the count is exact).</summary>
    public static WeightMask MagnitudeMask(Module model, double rate, bool global)
    {
        var weights = PrunableWeights(model).Select(p => p.Tensor).ToList();
        var mask = new WeightMask();
        if (global)
        {
            var all = new List<(float Magnitude, int Tensor, int Index)>();
            for (int t = 0; t < weights.Count; t++)
            {
                var d = weights[t].Span;
                for (int i = 0; i < d.Length; i++) all.Add((MathF.Abs(d[i]), t, i));
            }
            var keep = weights.Select(w => Enumerable.Repeat(true, w.Size).ToArray()).ToArray();
            foreach (var (_, t, i) in all.OrderBy(e => e.Magnitude).Take((int)Math.Floor(rate * all.Count))) keep[t][i] = false;
            for (int t = 0; t < weights.Count; t++) mask.Add(weights[t], keep[t]);
            return mask;
        }
        foreach (var w in weights)
        {
            var d = w.ToArray();
            var keep = Enumerable.Repeat(true, d.Length).ToArray();
            foreach (int i in Enumerable.Range(0, d.Length).OrderBy(i => MathF.Abs(d[i])).Take((int)Math.Floor(rate * d.Length))) keep[i] = false;
            mask.Add(w, keep);
        }
        return mask;
    }
}
