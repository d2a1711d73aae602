using Lineage.Data;
using Lineage.Engine;
using Lineage.Engine.Nn;
using Lineage.Models;
using Lineage.Models.Architectures;

namespace Lineage.Attacks;

/// <summary>
/// Fine-Pruning (Liu et al. 2018, "Fine-Pruning: Defending Against Backdooring Attacks"; SAC §4.1's pruning
/// attack): run the thief's clean data through the source, rank the last conv layer's output channels by
/// their mean activation, prune the fraction <c>rate</c> least active (their filters and biases zeroed — and
/// the scale and shift of a batch-norm right after the conv, so the channel's output is exactly zero — and
/// held at zero), then fine-tune. SAC prunes up to 80% of channels, so rates above 0.8 are refused. White-box.
/// </summary>
public sealed class FinePruneAttack : Attack
{
    public const string AttackName = "fine-prune";
    public const double MaxRate = 0.8;

    public static AttackParameter[] Declared =>
    [
        new("rate", "0.5", "fraction of the last conv layer's channels pruned (at most 0.8)"),
        new("labels", "source", "fine-tuning labels: source (black-box queries) or truth"),
        .. AttackTraining.Parameters(epochs: 5, lr: 0.01),
    ];

    public FinePruneAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
    {
        Values.Double("rate", 0, MaxRate);
        Values.Choice("labels", "source", "truth");
        AttackTraining.Options(Values, 0);
    }

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        CheckCompatible(source, context.ThiefData, "thief data");
        var model = CopyOf(source.Model);
        var convPath = model.LastConvPath ?? throw new NotSupportedException($"{model.Spec} has no convolution layer for Fine-Pruning to prune");
        var conv = (Conv2d)model.GetModule(convPath);
        var norm = FollowingBatchNorm(model, convPath, conv.OutChannels);
        var ranked = RankChannels(model, source.Preprocessing, context.ThiefData, norm.Path ?? convPath, conv.OutChannels);
        int count = (int)Math.Floor(Values.Double("rate", 0, MaxRate) * conv.OutChannels);
        var pruned = ranked.Take(count).OrderBy(c => c).ToArray();

        var mask = new WeightMask();
        mask.Add(conv.Weight, ChannelKeep(conv.Weight, pruned));
        if (conv.Bias is Tensor b) mask.Add(b, ChannelKeep(b, pruned));
        if (norm.Module is { Weight: Tensor nw }) mask.Add(nw, ChannelKeep(nw, pruned));
        if (norm.Module is { Bias: Tensor nb }) mask.Add(nb, ChannelKeep(nb, pruned));
        mask.Apply();

        var (data, queries) = FineTuneAttack.Labelled(source, context, Values.Choice("labels", "source", "truth"));
        var options = AttackTraining.Options(Values, context.Seed);
        if (options.Epochs > 0)
            AttackTraining.TrainHard(model, source.Preprocessing, data, options, context, transform: batch => { mask.Apply(); return batch; });
        mask.Apply();
        return Finish(source, model, context, context.ThiefData, queries, measured: new Dictionary<string, string>
        {
            ["layer"] = convPath,
            ["pruned_channels"] = string.Join(",", pruned),
        });
    }

    /// <summary>Channels from least to most active (mean over the data of the ReLU of the recorded output).</summary>
    static int[] RankChannels(Classifier model, Preprocessing pre, Dataset data, string recordPath, int channels)
    {
        var original = model.GetModule(recordPath);
        var recorder = new ActivationRecorder(original, channels);
        model.ReplaceModule(recordPath, recorder);
        try
        {
            model.Eval();
            using (GradMode.NoGrad())
                for (int start = 0; start < data.Count; start += 256)
                {
                    using var scope = TensorScope.Begin();
                    var idx = Enumerable.Range(start, Math.Min(256, data.Count - start)).ToArray();
                    model.Forward(pre.Apply(data.Gather(idx)));
                }
        }
        finally { model.ReplaceModule(recordPath, original); }
        var mean = recorder.Means();
        return Enumerable.Range(0, channels).OrderBy(c => mean[c]).ThenBy(c => c).ToArray();
    }

    /// <summary>A batch-norm applied directly to the conv's output: the next entry of a Sequential, or the
    /// "bnN" sibling of a "convN" (ResNet blocks). Its affine parameters must be zeroed too, or the pruned
    /// channel would still emit the norm's shift.</summary>
    static (string? Path, BatchNormBase? Module) FollowingBatchNorm(Classifier model, string convPath, int channels)
    {
        int dot = convPath.LastIndexOf('.');
        string parent = dot < 0 ? "" : convPath[..dot], last = dot < 0 ? convPath : convPath[(dot + 1)..];
        string? candidate = int.TryParse(last, out int index) ? (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : last.StartsWith("conv", StringComparison.Ordinal) ? "bn" + last[4..] : null;
        if (candidate is null) return (null, null);
        string path = parent.Length == 0 ? candidate : parent + "." + candidate;
        try
        {
            return model.GetModule(path) is BatchNormBase bn && bn.NumFeatures == channels ? (path, bn) : (null, null);
        }
        catch (KeyNotFoundException) { return (null, null); }
    }

    /// <summary>Keep flags for a tensor whose first axis is the output channel.</summary>
    static bool[] ChannelKeep(Tensor t, int[] pruned)
    {
        var keep = Enumerable.Repeat(true, t.Size).ToArray();
        int per = t.Size / t.Shape[0];
        foreach (int c in pruned) Array.Fill(keep, false, c * per, per);
        return keep;
    }

    /// <summary>Stands in for a layer while the data passes, summing each channel's ReLU'd output.</summary>
    sealed class ActivationRecorder(Module inner, int channels) : Module
    {
        readonly double[] sum = new double[channels];
        long count;

        public override Tensor Forward(Tensor input)
        {
            var y = inner.Forward(input);
            int n = y.Shape[0], plane = y.Size / (n * channels);
            var d = y.Span;
            for (int i = 0; i < n; i++)
                for (int c = 0; c < channels; c++)
                {
                    double s = 0;
                    foreach (var v in d.Slice((i * channels + c) * plane, plane)) if (v > 0) s += v;
                    sum[c] += s / plane;
                }
            count += n;
            return y;
        }

        public double[] Means() => sum.Select(s => count == 0 ? 0 : s / count).ToArray();
    }
}
