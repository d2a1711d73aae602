using Lineage.Data;
using Lineage.Data.Augmentations;
using Lineage.Engine;

namespace Lineage.Fingerprints.Sac;

/// <summary>Which CutMix SAC-m uses: the paper's (Yun et al., Eq. 8) or the authors' code's fixed corner box.</summary>
public enum CutMixVariant { Yun, Corner }

/// <summary>SAC-m (SAC §3.3): n owner images mixed by CutMix with a random partner (Eq. 8), then transposed (x^T).</summary>
public sealed class SacM : IQuerySampler
{
    public static readonly IFingerprintMethod Method = new ComposedMethod<CorrelationMatrix>(
        SacDeclaration.Info("sac-m", "correlation matrices of the outputs on CutMix + x^T owner images", MethodNeeds.OwnerData,
        [
            MethodParameter.Int("samples", 100, "owner images to mix (paper: 100; 50 is enough)", 2),
            MethodParameter.Choice("cutmix", "yun", "yun (the paper, Eq. 8) or corner (the authors' code)", "yun", "corner"),
            MethodParameter.Double("cutmix_alpha", 1.0, "α of the Beta(α, α) mixing ratio (Yun's CutMix)", 0, double.PositiveInfinity, minExclusive: true),
            MethodParameter.Bool("transpose_flip", true, "apply x^T after CutMix (SAC §3.3)"),
        ]),
        new SacM(), new CorrelationReading(), new CorrelationDistance());

    public SampledQueries Sample(CreationContext context, MethodParameters p)
    {
        int samples = p.Int("samples");
        var owner = context.OwnerData;
        if (owner.Count < samples) throw new ArgumentException($"SAC-m wants {samples} owner images, the data has {owner.Count}");
        var gen = new Generator(context.Seed);
        var chosen = DataSplits.Subsample(owner, samples, context.Seed);
        IAugmentation cutmix = p.Enum<CutMixVariant>("cutmix") == CutMixVariant.Yun ? new YunCutMix(p.Double("cutmix_alpha")) : new CornerCutMix();
        IAugmentation augment = p.Bool("transpose_flip") ? new Compose(cutmix, new TransposeFlip()) : cutmix;
        return new SampledQueries
        {
            Queries = augment.Apply(chosen.AsTensor(), gen).ClonePersistent(),
            Facts = new Dictionary<string, string> { ["owner_data"] = chosen.Origin.Description },
        };
    }
}
