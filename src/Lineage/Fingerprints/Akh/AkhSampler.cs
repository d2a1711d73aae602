using System.Globalization;
using Lineage.Data;
using Lineage.Data.Augmentations;
using Lineage.Engine;
using Lineage.Fingerprints.Sac;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints.Akh;

/// <summary>
/// AKH, the baseline of QuRD (Godinot et al., "Queries, Representation &amp; Detection", AAAI 2025): owner images the
/// source misclassifies, topped up with CutMix + x^T images when there are too few; read as hard labels and scored by
/// agreement with the source's labels. A student trained on the source's labels learns its teacher's mistakes,
/// while an independent model agrees with those mistakes only by chance, so agreement on them survives label
/// extraction; the binomial p-value tests it against the null models' agreement rate.
/// </summary>
public sealed class AkhSampler : IQuerySampler
{
    public static readonly IFingerprintMethod Method = new ComposedMethod<int[]>(new MethodInfo
    {
        Name = "akh",
        Paper = "AKH in QuRD: Godinot et al., \"Queries, Representation & Detection: The Next 100 Model Fingerprinting Schemes\", AAAI 2025",
        Description = "owner images the source misclassifies (topped up with CutMix + x^T); score = agreement with the source's labels",
        Parameters =
        [
            MethodParameter.Int("samples", 100, "queries", 2),
            MethodParameter.Choice("cutmix", "yun", "CutMix of the top-up images: yun or corner", "yun", "corner"),
        ],
        Reads = OutputMode.Label,
        Needs = MethodNeeds.OwnerData,
        Direction = ScoreDirection.HigherIsStolen,
    }, new AkhSampler(), new LabelsReading(), new LabelAgreement(binomialPValue: true));

    public SampledQueries Sample(CreationContext context, MethodParameters p)
    {
        var owner = context.OwnerData;
        int samples = p.Int("samples");
        if (owner.Count < samples) throw new ArgumentException($"AKH wants {samples} queries; the owner's data has {owner.Count} images");
        var predicted = SuspectOutput.FromLogits(context.Source.LogitsOf(owner.AsTensor()), owner.Count, context.Source.Classes).Labels;
        var wrong = Enumerable.Range(0, owner.Count).Where(i => predicted[i] != owner.Labels[i]).ToArray();
        var gen = new Generator(context.Seed);
        gen.Shuffle(wrong);
        var keep = wrong.Take(samples).Order().ToArray();
        var queries = owner.Gather(keep);
        int topUp = samples - keep.Length;
        if (topUp > 0)
        {
            var right = DataSplits.Subsample(owner.Subset(Enumerable.Range(0, owner.Count).Except(wrong).ToList()), topUp, context.Seed);
            IAugmentation cutmix = p.Enum<CutMixVariant>("cutmix") == CutMixVariant.Yun ? new YunCutMix() : new CornerCutMix();
            var mixed = new Compose(cutmix, new TransposeFlip()).Apply(right.AsTensor(), gen);
            queries = Tensor.Cat([queries, mixed], 0);
        }
        return new SampledQueries
        {
            Queries = queries.ClonePersistent(),
            Facts = new Dictionary<string, string>
            {
                ["misclassified_found"] = wrong.Length.ToString(CultureInfo.InvariantCulture),
                ["cutmix_top_up"] = Math.Max(0, topUp).ToString(CultureInfo.InvariantCulture),
                ["owner_data"] = owner.Origin.Description,
            },
        };
    }
}
