using System.Globalization;
using Lineage.Engine;
using Lineage.Kits;
using Lineage.Models;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints.MetaFinger;

/// <summary>
/// MetaFinger on the catalog (Yang et al., "MetaFinger: Fingerprinting the Deep Neural Networks with Meta-training",
/// IJCAI 2022; a NaturalFinger baseline): rounds of owner images optimised against the kit
/// (<see cref="MetaFingerOptimizer"/>), screened on validation models the optimiser never saw: a query is kept only if
/// every validation positive gives the source's label and no validation negative does; up to 10 rounds until enough
/// queries. Read as hard labels and scored by the matching rate with the source's labels.
/// The kit is split three ways: training models, one validation surrogate and reference for the screen, and the
/// remaining references for calibration, which must not have chosen the queries.
/// </summary>
public sealed class MetaFingerMethod : IQuerySampler
{
    public static readonly IFingerprintMethod Method = new ComposedMethod<int[]>(new MethodInfo
    {
        Name = "metafinger",
        Paper = "MetaFinger: Yang et al., \"MetaFinger: Fingerprinting the Deep Neural Networks with Meta-training\", IJCAI 2022",
        Description = "owner images optimised to keep the source's surrogates close and push its references away, screened on held-out kit models; score = matching rate",
        Parameters =
        [
            MethodParameter.Int("samples", 100, "queries to keep", 1),
            MethodParameter.Int("batch", 100, "owner images optimised per round", 1),
            MethodParameter.Int("rounds", 10, "most optimisation rounds (the authors' code: up to 10)", 1),
            MethodParameter.Int("steps", 100, "Adam steps per round", 1),
            MethodParameter.Double("lr", 0.01, "Adam learning rate on the pixels (the authors' code: 0.01)", 0, 1, minExclusive: true),
            MethodParameter.Double("alpha", 1, "weight of the negatives' KL term (the authors' code: 1)", 0),
            MethodParameter.Int("held_out_references", 0, "kit references kept for calibration, after one validation reference (0: 2 when the kit has at least 5, else 1)", 0),
        ],
        Reads = OutputMode.Label,
        Needs = MethodNeeds.OwnerData | MethodNeeds.KitReferences | MethodNeeds.KitSurrogates,
        Direction = ScoreDirection.HigherIsStolen,
    }, new MetaFingerMethod(), new LabelsReading(), new LabelAgreement(binomialPValue: true));

    public SampledQueries Sample(CreationContext context, MethodParameters p)
    {
        var kit = context.Kit ?? throw new ArgumentException("metafinger learns from the owner's kit of surrogates and references (--kit DIR; build one with 'lineage kit build')");
        int calibration = p.Int("held_out_references");
        if (calibration == 0) calibration = kit.References.Count >= 5 ? 2 : 1;
        // training needs one model of each kind, the screen one more, calibration the rest of the references
        kit.RequireAtLeast("metafinger", calibration + 2, 2);
        var (referencesLeft, calibrationReferences) = kit.Split(KitRole.Reference, calibration, context.Seed);
        var (trainReferences, validationReferences) = Split(referencesLeft, context.Seed);
        var (trainSurrogates, validationSurrogates) = Split(kit.Surrogates, context.Seed);
        var source = context.Source;
        Func<Tensor, Tensor> Load(KitModel m) => m.LoadFor(kit, source.Preprocessing.Shape, source.Name).Logits;
        var positives = trainSurrogates.Select(Load).ToList();
        var negatives = trainReferences.Select(Load).ToList();
        var screenPositives = validationSurrogates.Select(Load).ToList();
        var screenNegatives = validationReferences.Select(Load).ToList();
        var options = new MetaFingerOptions { Steps = p.Int("steps"), LearningRate = p.Double("lr"), Alpha = (float)p.Double("alpha"), Seed = context.Seed };
        int wanted = p.Int("samples"), batch = p.Int("batch"), rounds = p.Int("rounds");
        var owner = context.OwnerData;
        var gen = new Generator(context.Seed);
        var order = gen.Permutation(owner.Count);
        var kept = new List<Tensor>();
        int keptCount = 0, optimised = 0, round = 0;
        var perRound = new List<string>();
        while (keptCount < wanted && round < rounds && optimised < owner.Count)
        {
            round++;
            int take = Math.Min(batch, owner.Count - optimised);
            var start = owner.Gather(order[optimised..(optimised + take)]);
            optimised += take;
            var queries = MetaFingerOptimizer.Optimize(source.Logits, positives, negatives, start, options, gen.Fork(), context.Cancel);
            var keep = Screen(source.Logits, screenPositives, screenNegatives, queries);
            perRound.Add(keep.Length.ToString(CultureInfo.InvariantCulture));
            context.Progress?.Report($"MetaFinger round {round}: {keep.Length} of {take} optimised queries pass the screen ({keptCount + keep.Length} of {wanted})");
            var chosen = keep.Take(wanted - keptCount).ToArray();
            if (chosen.Length > 0) { kept.Add(queries.IndexSelect(0, chosen).ClonePersistent()); keptCount += chosen.Length; }
        }
        if (keptCount == 0)
            throw new ArgumentException($"MetaFinger's screen kept no query in {round} round(s) of {batch} ({string.Join(", ", perRound)} per round): every candidate failed the validation models '{string.Join(", ", validationSurrogates.Concat(validationReferences).Select(m => m.Id))}'; try more rounds or steps");
        return new SampledQueries
        {
            Queries = Tensor.Cat(kept, 0).ClonePersistent(),
            KitModelsUsed = [.. kit.Surrogates.Select(m => m.Id), .. referencesLeft.Select(m => m.Id)],
            Facts = new Dictionary<string, string>
            {
                ["kit_training_surrogates"] = string.Join(" ", trainSurrogates.Select(m => m.Id)),
                ["kit_training_references"] = string.Join(" ", trainReferences.Select(m => m.Id)),
                ["kit_validation_models"] = string.Join(" ", validationSurrogates.Concat(validationReferences).Select(m => m.Id)),
                ["kit_held_out_references"] = string.Join(" ", calibrationReferences.Select(m => m.Id)),
                ["rounds"] = round.ToString(CultureInfo.InvariantCulture),
                ["kept_per_round"] = string.Join(" ", perRound),
                ["queries_kept"] = keptCount.ToString(CultureInfo.InvariantCulture),
                ["owner_data"] = owner.Origin.Description,
            },
        };
    }

    /// <summary>Rows where every validation positive gives the source's label and no validation negative does.</summary>
    public static int[] Screen(Func<Tensor, Tensor> source, IReadOnlyList<Func<Tensor, Tensor>> positives, IReadOnlyList<Func<Tensor, Tensor>> negatives, Tensor queries)
    {
        int[] Labels(Func<Tensor, Tensor> model) => KitModelBatch.Labels(model, queries);
        var expected = Labels(source);
        var positiveLabels = positives.Select(Labels).ToList();
        var negativeLabels = negatives.Select(Labels).ToList();
        return Enumerable.Range(0, expected.Length)
            .Where(i => positiveLabels.All(l => l[i] == expected[i]) && negativeLabels.All(l => l[i] != expected[i])).ToArray();
    }

    /// <summary>One model of the role for the screen (seeded), the rest for training.</summary>
    static (IReadOnlyList<KitModel> Train, IReadOnlyList<KitModel> Validation) Split(IReadOnlyList<KitModel> models, int seed)
    {
        int pick = new Generator(seed + 7).NextInt(models.Count);
        return (models.Where((_, i) => i != pick).ToList(), [models[pick]]);
    }
}
