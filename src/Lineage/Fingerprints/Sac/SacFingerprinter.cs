using System.Globalization;
using Lineage.Data;
using Lineage.Data.Augmentations;
using Lineage.Engine;
using Lineage.Models.Training;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints.Sac;

/// <summary>SAC's create side: choose the samples (SAC-m: CutMix + x^T of owner images; SAC-w: owner
/// images misclassified by the source and its surrogates, Eq. 7) and record the source's logits on them.</summary>
public static class SacFingerprinter
{
    /// <summary>SAC-m (SAC §3.3): n owner images, mixed by CutMix with a random partner (Eq. 8), then transposed.</summary>
    public static Fingerprint CreateSacM(SourceModel source, Dataset ownerData, SacOptions options, RuleOptions rule)
    {
        if (options.Samples < 2) throw new ArgumentException($"SAC needs at least 2 samples, got {options.Samples}");
        if (ownerData.Count < options.Samples) throw new ArgumentException($"SAC-m wants {options.Samples} owner images, the data has {ownerData.Count}");
        var gen = new Generator(options.Seed);
        var chosen = DataSplits.Subsample(ownerData, options.Samples, options.Seed);
        IAugmentation cutmix = options.CutMix == CutMixVariant.Yun ? new YunCutMix(options.CutMixAlpha) : new CornerCutMix();
        IAugmentation augment = options.TransposeFlip ? new Compose(cutmix, new TransposeFlip()) : cutmix;
        var queries = augment.Apply(chosen.AsTensor(), gen).ClonePersistent();
        var parameters = options.Describe();
        parameters["owner_data"] = chosen.Origin.Description;
        return Finish("sac-m", source, queries, parameters, rule);
    }

    /// <summary>
    /// SAC-w (SAC Eq. 7): owner images that the source and every one of m surrogates (distilled from the
    /// source on the owner's data) misclassify; optionally only those the independent models classify
    /// correctly. Keeps at most <see cref="SacOptions.Samples"/> of them.
    /// </summary>
    public static Fingerprint CreateSacW(SourceModel source, Dataset ownerData, SacOptions options, RuleOptions rule,
        IReadOnlyList<ISuspect>? correctIndependentModels = null, IProgress<TrainingProgress>? progress = null)
    {
        if (source.File is null) throw new NotSupportedException("SAC-w distils surrogates with the source's architecture: give a Lineage model file as the source");
        var sourceLogits = source.LogitsOf(ownerData.AsTensor());  // once: the prediction and every surrogate's teacher
        var sourcePred = SuspectOutput.FromLogits(sourceLogits, ownerData.Count, source.Classes).Labels;
        var wrong = Enumerable.Range(0, ownerData.Count).Where(i => sourcePred[i] != ownerData.Labels[i]).ToList();
        for (int m = 0; m < options.Surrogates && wrong.Count > 0; m++)
        {
            var surrogate = Surrogates.Distil(source, ownerData, sourceLogits, options.SurrogateEpochs, options.Seed + 1000 + m, progress);
            var pred = Evaluate.Predict(surrogate, source.Preprocessing, ownerData.Subset(wrong));
            wrong = wrong.Where((_, k) => pred[k] != ownerData.Labels[wrong[k]]).ToList();
        }
        foreach (var independent in correctIndependentModels ?? [])
        {
            var answers = independent.Query(ownerData.Subset(wrong).AsTensor());
            wrong = wrong.Where((_, k) => answers.Labels[k] == ownerData.Labels[wrong[k]]).ToList();
        }
        if (wrong.Count < 2)
            throw new InvalidOperationException($"SAC-w found {wrong.Count} owner images misclassified by the source and all {options.Surrogates} surrogates; use more owner data, fewer surrogates, or SAC-m");
        var gen = new Generator(options.Seed);
        var order = wrong.ToArray();
        gen.Shuffle(order);
        var keep = order.Take(options.Samples).Order().ToArray();
        var queries = ownerData.Gather(keep).ClonePersistent();
        var parameters = options.Describe();
        parameters["surrogates"] = options.Surrogates.ToString(CultureInfo.InvariantCulture);
        parameters["surrogate_epochs"] = options.SurrogateEpochs.ToString(CultureInfo.InvariantCulture);
        parameters["hard_samples_found"] = wrong.Count.ToString(CultureInfo.InvariantCulture);
        parameters["owner_data"] = ownerData.Origin.Description;
        return Finish("sac-w", source, queries, parameters, rule);
    }

    static Fingerprint Finish(string method, SourceModel source, Tensor queries, Dictionary<string, string> parameters, RuleOptions rule)
    {
        var logits = source.LogitsOf(queries);
        var draft = new Fingerprint
        {
            Method = method,
            CreatedUtc = DateTimeOffset.UtcNow,
            SourceModelHash = source.Hash,
            Parameters = parameters,
            Queries = queries,
            SourceOutput = SuspectOutput.FromLogits(logits, queries.Shape[0], source.Classes),
            Preprocessing = source.Preprocessing,
            Rules = [],
        };
        var sac = FingerprintMethods.Get(method);
        draft.Rules = rule.Resolve(draft, sac, ScoreDirection.LowerIsStolen, (nulls, derived) =>
            nulls.Count > 0 && derived.Count > 0
                ? DecisionRule.Paper(ScoreDirection.LowerIsStolen, (nulls.Average() + derived.Average()) / 2,
                    $"SAC §3.2, midway between the mean distances of {nulls.Count} independent and {derived.Count} derived validation models")
                : null);
        return draft;
    }
}
