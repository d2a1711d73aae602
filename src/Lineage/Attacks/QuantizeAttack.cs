using Lineage.Engine;
using Lineage.Models;

namespace Lineage.Attacks;

/// <summary>
/// INT8 post-training quantisation (symmetric, Jacob et al. 2018 / PyTorch's qint8 weight observer): every conv
/// and linear weight becomes w = scale · q with q an integer in [-127, 127] and scale = max|w| / 127, one scale
/// per tensor (granularity=tensor) or per output channel (granularity=channel). Weights are stored back as these
/// dequantised floats, so the model file holds exactly what an INT8 runtime computes with; biases and norm
/// parameters stay in float as INT8 runtimes keep them at higher precision. No data, no training. White-box.
/// </summary>
public sealed class QuantizeAttack : Attack
{
    public const string AttackName = "quantize";

    public static AttackParameter[] Declared =>
    [
        new("granularity", "tensor", "tensor: one scale per weight tensor; channel: one scale per output channel"),
    ];

    public QuantizeAttack(IReadOnlyDictionary<string, string>? parameters = null) : base(AttackName, Declared, parameters)
    {
        Values.Choice("granularity", "tensor", "channel");
    }

    public override ModelFile Run(ModelFile source, AttackContext context)
    {
        var model = CopyOf(source.Model);
        bool perChannel = Values.Choice("granularity", "tensor", "channel") == "channel";
        foreach (var (_, w) in PruneAttack.PrunableWeights(model))
        {
            int groups = perChannel ? w.Shape[0] : 1, per = w.Size / groups;
            for (int g = 0; g < groups; g++) Quantize(w.Span.Slice(g * per, per));
        }
        return Finish(source, model, context, trainedOn: null);
    }

    /// <summary>Rounds a group of weights onto its symmetric INT8 grid in place.</summary>
    public static void Quantize(Span<float> w)
    {
        float max = 0;
        foreach (var v in w) max = MathF.Max(max, MathF.Abs(v));
        if (max == 0) return;
        float scale = max / 127f;
        for (int i = 0; i < w.Length; i++) w[i] = scale * Math.Clamp(MathF.Round(w[i] / scale, MidpointRounding.ToEven), -127f, 127f);
    }
}
