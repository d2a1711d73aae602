using System.Globalization;
using Lineage.Engine;
using Lineage.Generative;
using Lineage.Kits;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints.NaturalFinger;

/// <summary>
/// NaturalFinger on the catalog (Yang and Lai, "NaturalFinger: Generating Natural Fingerprint with Generative
/// Adversarial Networks"): natural-looking images from a GAN trained on the owner's data (<c>lineage gan train</c>),
/// optimised in its latent space so the source and its surrogates (positives) give one label and independent
/// references (negatives) another (<see cref="NaturalFingerOptimizer"/>), then screened: an image is kept only if,
/// under every screening transform, every positive gives y_pos and every negative y_neg. Rounds of fresh latents
/// run until enough images survive. Read as hard labels, scored by the matching rate with the source's labels.
/// The kit's references are split: the optimiser's negatives, and held-out ones that only calibrate.
/// </summary>
public sealed class NaturalFingerMethod : IQuerySampler
{
    public static readonly IFingerprintMethod Method = new ComposedMethod<int[]>(new MethodInfo
    {
        Name = "naturalfinger",
        Paper = "NaturalFinger: Yang and Lai, \"NaturalFinger: Generating Natural Fingerprint with Generative Adversarial Networks\"",
        Description = "natural-looking GAN images optimised in latent space so the source's surrogates and independent references label them differently; score = matching rate",
        Parameters =
        [
            MethodParameter.File("gan", "the GAN to draw from (lineage gan train on the owner's data)"),
            MethodParameter.Int("samples", 100, "fingerprints to keep", 1),
            MethodParameter.Int("candidates", 100, "latents drawn per round (class-balanced)", 1),
            MethodParameter.Int("rounds", 5, "most rounds of fresh latents", 1),
            MethodParameter.Int("steps", NaturalFingerOptions.DefaultSteps, "SGD steps on z per round (the authors' code: about 1000; 600 fits a 2-core budget, docs/naturalfinger.md)", 1),
            MethodParameter.Double("lr", 0.1, "SGD learning rate on z, momentum 0.9, Nesterov (the authors' code: 0.1)", 0, 100, minExclusive: true),
            MethodParameter.Double("kappa", NaturalFingerOptions.DefaultKappa, "CW confidence κ (the authors' code: 50, which on Fashion-MNIST leaves the negatives unmoved; docs/naturalfinger.md)", 0),
            MethodParameter.Double("lambda", 0.5, "weight of the discriminator's hinge term (paper: 0.5)", 0),
            MethodParameter.Int("models_per_step", 4, "positive and negative models drawn per step (the authors' code: 4 each)", 1),
            MethodParameter.Bool("adversarial_label", true, "y_neg from an FGSM step against the negatives (paper's trick 1; off: a random other class)"),
            MethodParameter.Bool("transform", true, "a random input transform per step (paper's trick 2)"),
            MethodParameter.Bool("discriminator_loss", true, "the discriminator's hinge term (paper's trick 3)"),
            MethodParameter.Double("invariance", 0.9, "screen and optimise only under transforms the source keeps its label under on this share of the owner's images (0: every transform, as the paper; docs/naturalfinger.md)", 0, 1),
            MethodParameter.Int("held_out_references", 0, "kit references kept for calibration only (0: 2 when the kit has at least 5, else 1)", 0),
        ],
        Reads = OutputMode.Label,
        Needs = MethodNeeds.OwnerData | MethodNeeds.KitReferences | MethodNeeds.KitSurrogates,
        Direction = ScoreDirection.HigherIsStolen,
    }, new NaturalFingerMethod(), new LabelsReading(), new LabelAgreement(binomialPValue: true));

    /// <summary>What the optimiser draws from each step: the admitted transforms other than the identity, or the identity
    /// alone when the source respects none of them (not the paper's full ranges, which it does not respect).</summary>
    static IReadOnlyList<NaturalTransform> StepTransforms(IReadOnlyList<NaturalTransform> admitted)
    {
        var moving = admitted.Where(t => t.Kind != NaturalTransformKind.Identity).ToList();
        return moving.Count > 0 ? moving : [new NaturalTransform(NaturalTransformKind.Identity)];
    }

    public SampledQueries Sample(CreationContext context, MethodParameters p)
    {
        var kit = context.Kit ?? throw new ArgumentException("naturalfinger learns from the owner's kit of surrogates and references (--kit DIR; build one with 'lineage kit build')");
        string ganPath = p.Text("gan");
        if (ganPath.Length == 0)
            throw new ArgumentException("naturalfinger draws its fingerprints from a GAN trained on the owner's data: pass -p gan=FILE (train one with 'lineage gan train')");
        var gan = GanFile.Load(ganPath);
        var source = context.Source;
        gan.RequireFits(source.Preprocessing.Shape, source.Classes, context.OwnerData.Origin.DatasetName, $"source {source.Name}");
        int calibration = p.Int("held_out_references");
        if (calibration == 0) calibration = kit.References.Count >= 5 ? 2 : 1;
        kit.RequireAtLeast("naturalfinger", calibration + 1, 1);
        var (trainReferences, calibrationReferences) = kit.Split(KitRole.Reference, calibration, context.Seed);
        Func<Tensor, Tensor> Load(KitModel m) => m.LoadFor(kit, source.Preprocessing.Shape, source.Name).Logits;
        var positives = new List<Func<Tensor, Tensor>> { source.Logits };
        positives.AddRange(kit.Surrogates.Select(Load));
        var negatives = trainReferences.Select(Load).ToList();
        // the transforms the source respects on the owner's images (ScreeningTransforms: CIFAR's flips and shifts are not
        // label-preserving for models trained without augmentation)
        var owner = context.OwnerData;
        int probe = Math.Min(owner.Count, 1000);
        var probeImages = Tensor.FromArray(owner.Images.AsSpan(0, probe * owner.ImageSize).ToArray(), probe, owner.Channels, owner.Height, owner.Width);
        double minInvariance = p.Double("invariance");
        var (screening, invariance) = ScreeningTransforms.Select(source.Logits, probeImages, minInvariance);
        string invarianceText = string.Join(", ", invariance.Select(m => $"{m.Transform} {100 * m.Invariance:0.#} %"));
        context.Progress?.Report($"source keeps its label on {probe} owner images under: {invarianceText}; screening under {string.Join(" ", screening)}");
        var options = new NaturalFingerOptions
        {
            Transforms = minInvariance > 0 ? StepTransforms(screening) : null,
            Steps = p.Int("steps"), LearningRate = p.Double("lr"), Kappa = (float)p.Double("kappa"), Lambda = (float)p.Double("lambda"),
            ModelsPerStep = p.Int("models_per_step"), AdversarialLabel = p.Bool("adversarial_label"), InputTransform = p.Bool("transform"),
            DiscriminatorLoss = p.Bool("discriminator_loss"), Seed = context.Seed,
        };
        int wanted = p.Int("samples"), candidates = p.Int("candidates"), rounds = p.Int("rounds");
        var gen = new Generator(context.Seed);
        var keptImages = new List<Tensor>();
        var keptLatents = new List<Tensor>();
        var keptClasses = new List<int>();
        var keptPositive = new List<int>();
        var keptNegative = new List<int>();
        var stages = new List<string>();
        int round = 0;
        while (keptClasses.Count < wanted && round < rounds)
        {
            round++;
            var classes = Enumerable.Range(0, candidates).Select(i => (i + round) % gan.Spec.Classes).ToArray();
            var z = Tensor.Randn(gen, candidates, gan.Spec.LatentSize).ClonePersistent();
            var start = gan.Gan.ImagesOf(z, classes);
            var (agreed, yPos) = NaturalFingerOptimizer.Agreed(positives, start);
            string stage = $"round {round}: {candidates} latents, {agreed.Length} agreed on by all {positives.Count} positives";
            if (agreed.Length == 0) { stages.Add(stage); context.Progress?.Report(stage); continue; }
            var z0 = z.IndexSelect(0, agreed).ClonePersistent();
            var c0 = agreed.Select(i => classes[i]).ToArray();
            var yNeg = NaturalFingerOptimizer.NegativeLabels(negatives, start.IndexSelect(0, agreed).ClonePersistent(), yPos, source.Classes, options, gen.Fork());
            var optimised = NaturalFingerOptimizer.Optimize(gan.Gan, z0, c0, yPos, yNeg, positives, negatives, options, gen.Fork(), context.Progress, context.Cancel);
            var images = gan.Gan.ImagesOf(optimised, c0);
            var (positivesMet, negativesMet, bothMet) = NaturalFingerOptimizer.Counts(images, yPos, yNeg, positives, negatives);
            var (survivors, each) = NaturalFingerOptimizer.ScreenWithCounts(images, yPos, yNeg, positives, negatives, screening);
            stage += $"; after optimisation {positivesMet} give y_pos on every positive, {negativesMet} y_neg on every negative, {bothMet} both, " +
                $"{survivors.Length} of them under every screening transform";
            if (bothMet > survivors.Length)
                stage += $" (under each alone: {string.Join(", ", screening.Select((t, k) => $"{t} {each[k]}"))})";
            stages.Add(stage);
            context.Progress?.Report(stage + $" ({keptClasses.Count + Math.Min(survivors.Length, wanted - keptClasses.Count)} of {wanted})");
            var chosen = survivors.Take(wanted - keptClasses.Count).ToArray();
            if (chosen.Length == 0) continue;
            keptImages.Add(images.IndexSelect(0, chosen).ClonePersistent());
            keptLatents.Add(optimised.IndexSelect(0, chosen).ClonePersistent());
            keptClasses.AddRange(chosen.Select(i => c0[i]));
            keptPositive.AddRange(chosen.Select(i => yPos[i]));
            keptNegative.AddRange(chosen.Select(i => yNeg[i]));
        }
        if (keptClasses.Count == 0)
            throw new ArgumentException($"NaturalFinger's screen kept no image from GAN {ganPath}: {string.Join("; ", stages)}. " +
                "Candidates drop out where the positives disagree on the GAN's image (a poorly trained GAN) or where a model misses its label under a screening transform; try more rounds, candidates or steps, or a better-trained GAN");
        return new SampledQueries
        {
            Queries = Tensor.Cat(keptImages, 0).ClonePersistent(),
            ExpectedLabels = [.. keptPositive],
            Artifacts = new Dictionary<string, Tensor>
            {
                ["latents"] = Tensor.Cat(keptLatents, 0).ClonePersistent(),
                ["gan_classes"] = Tensor.FromArray(keptClasses.Select(c => (float)c).ToArray(), keptClasses.Count),
                ["negative_labels"] = Tensor.FromArray(keptNegative.Select(c => (float)c).ToArray(), keptNegative.Count),
            },
            KitModelsUsed = [.. kit.Surrogates.Select(m => m.Id), .. trainReferences.Select(m => m.Id)],
            Facts = new Dictionary<string, string>
            {
                ["gan_sha256"] = gan.Hash!,
                ["gan_file"] = Path.GetFileName(ganPath),
                ["gan_trained_on"] = gan.TrainedOn,
                ["kit_positives"] = string.Join(" ", ["source", .. kit.Surrogates.Select(m => m.Id)]),
                ["kit_negatives"] = string.Join(" ", trainReferences.Select(m => m.Id)),
                ["kit_held_out_references"] = string.Join(" ", calibrationReferences.Select(m => m.Id)),
                ["screening_transforms"] = string.Join(" ", screening),
                ["transform_invariance"] = invarianceText,
                ["rounds"] = round.ToString(CultureInfo.InvariantCulture),
                ["stages"] = string.Join("; ", stages),
                ["queries_kept"] = keptClasses.Count.ToString(CultureInfo.InvariantCulture),
            },
        };
    }
}
