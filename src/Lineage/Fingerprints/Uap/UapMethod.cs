using System.Globalization;
using System.Runtime.CompilerServices;
using Lineage.Adversarial;
using Lineage.Kits;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints.Uap;

/// <summary>A suspect's answers to a UAP fingerprint and the reading they are taken in.</summary>
public sealed record UapAnswers(UapReading Reading, SuspectOutput Answers);

/// <summary>
/// UAP fingerprinting in the catalog (Peng et al., CVPR 2022): the sampler runs <see cref="UapFingerprinter"/> on the
/// kit (the encoder learns from the kit's surrogates and all but <c>held_out_references</c> references, which stay
/// for calibration); the reading picks the richest of the fingerprint's readings the answers allow; the score is the
/// mean cosine similarity of the embeddings over the views, with the paper's one-sided Welch t-test as its p-value.
/// </summary>
public sealed class UapSampler : IQuerySampler
{
    public static readonly IFingerprintMethod Method = new ComposedMethod<UapAnswers>(new MethodInfo
    {
        Name = "uap",
        Paper = "Peng et al., \"Fingerprinting Deep Neural Networks Globally via Universal Adversarial Perturbations\", CVPR 2022",
        Description = "k-means points of the owner data with and without the source's UAP; a contrastive encoder trained on the kit; score = mean cosine similarity of the embeddings",
        Parameters = Declared(new UapOptions()),
        Reads = OutputMode.Label,
        Needs = MethodNeeds.OwnerData | MethodNeeds.SourceGradients | MethodNeeds.KitReferences | MethodNeeds.KitSurrogates,
        Direction = ScoreDirection.HigherIsStolen,
    }, new UapSampler(), new UapEmbeddingReading(), new UapSimilarity());

    /// <summary>The parameters, their defaults those of <see cref="UapOptions"/>.</summary>
    static MethodParameter[] Declared(UapOptions d) =>
    [
        MethodParameter.Int("points", d.Points, "N: k-means clusters, one point each (§4.2)", 1),
        MethodParameter.Int("views", d.Views, "views per model: neighbours of the points (§4.3); fingerprints per suspect", 2),
        MethodParameter.Int("uap_images", d.UapImages, "owner images the UAP search runs over", 1),
        MethodParameter.Choice("norm", d.Uap.Norm == PerturbationNorm.L2 ? "l2" : "linf", "ball of the UAP: l2 or linf", "l2", "linf"),
        MethodParameter.Double("xi", Math.Round(d.Uap.Xi, 6), "ξ: radius of the UAP's ball in [0,1] pixel units", 0, 1e6, minExclusive: true),
        MethodParameter.Double("delta", d.Uap.Delta, "δ: stop once the fooling rate reaches 1 − δ", 0, 1, minExclusive: true),
        MethodParameter.Int("max_passes", d.Uap.MaxPasses, "cap on passes of the UAP search", 1),
        MethodParameter.Int("uap_batch", d.Uap.BatchSize, "images whose DeepFool steps are computed against the same v", 1),
        MethodParameter.Int("deepfool_classes", d.Uap.DeepFool.Candidates, "DeepFool's candidate classes (top-k of the clean logits)", 2),
        MethodParameter.Double("overshoot", Math.Round(d.Uap.DeepFool.Overshoot, 6), "DeepFool's overshoot", 0, 10),
        MethodParameter.Int("deepfool_iterations", d.Uap.DeepFool.MaxIterations, "DeepFool's iteration cap", 1),
        MethodParameter.Double("temperature", Math.Round(d.Encoder.Temperature, 6), "τ of the SupCon loss", 0, 100, minExclusive: true),
        MethodParameter.Int("encoder_epochs", d.Encoder.Epochs, "encoder training passes", 1),
        MethodParameter.Double("encoder_lr", d.Encoder.LearningRate, "encoder Adam learning rate", 0, 1, minExclusive: true),
        MethodParameter.Int("encoder_batch", d.Encoder.BatchSize, "encoder batch size", 2),
        MethodParameter.Choice("perturbation", "universal", "universal (the paper's UAP) or per-image (each view image's own DeepFool perturbation: the ablation of UAP Fig. 7)", "universal", "per-image"),
        MethodParameter.Int("held_out_references", 2, "kit references the encoder does not learn from (left for calibration)", 0),
    ];

    public SampledQueries Sample(CreationContext context, MethodParameters p)
    {
        var kit = context.Kit ?? throw new ArgumentException("uap learns from the owner's kit of reference and surrogate models: give one with --kit KIT");
        int heldOut = p.Int("held_out_references");
        kit.RequireAtLeast("uap", heldOut + 1, 1);
        var (references, _) = kit.Split(KitRole.Reference, heldOut, context.Seed);
        ISuspect Load(KitModel m) => ModelSuspect.Of(m.Load(kit), m.Id, OutputMode.Probabilities);
        var options = OptionsOf(p, context.Seed);
        var result = UapFingerprinter.Create(context.Source, context.OwnerData, kit.Surrogates.Select(Load).ToList(), references.Select(Load).ToList(),
            options, context.Progress == null ? null : new Lines(context.Progress), cancel: context.Cancel);
        var facts = new Dictionary<string, string>
        {
            ["fooling_rate"] = result.Parameters["fooling_rate"],
            ["uap_passes"] = result.Parameters["uap_passes"],
            ["uap_reached_target"] = result.Parameters["uap_reached_target"],
            ["null_sample"] = result.Parameters["null_sample"],
            ["readings"] = result.Parameters["readings"],
            ["owner_data"] = context.OwnerData.Origin.Description,
            ["uap_seconds"] = result.Stats.UapSeconds.ToString("0.0", CultureInfo.InvariantCulture),
            ["creation_seconds"] = result.Stats.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture),
        };
        return new SampledQueries
        {
            Queries = result.Fingerprint.Queries(),
            Artifacts = result.Fingerprint.ToArtifacts(withImages: false),
            Facts = facts,
            KitModelsUsed = [.. kit.Surrogates.Select(m => m.Id), .. references.Select(m => m.Id)],
        };
    }

    static UapOptions OptionsOf(MethodParameters p, int seed) => new()
    {
        Points = p.Int("points"),
        Views = p.Int("views"),
        UapImages = p.Int("uap_images"),
        Uap = new UniversalPerturbationOptions
        {
            Norm = p.Text("norm") == "linf" ? PerturbationNorm.LInf : PerturbationNorm.L2,
            Xi = (float)p.Double("xi"),
            Delta = p.Double("delta"),
            MaxPasses = p.Int("max_passes"),
            BatchSize = p.Int("uap_batch"),
            DeepFool = new DeepFoolOptions { Candidates = p.Int("deepfool_classes"), Overshoot = (float)p.Double("overshoot"), MaxIterations = p.Int("deepfool_iterations") },
        },
        Encoder = new UapEncoderOptions { Temperature = (float)p.Double("temperature"), Epochs = p.Int("encoder_epochs"), LearningRate = p.Double("encoder_lr"), BatchSize = p.Int("encoder_batch") },
        PerImage = p.Text("perturbation") == "per-image",
        Seed = seed,
    };

    /// <summary>The UAP fingerprint a catalog fingerprint carries, rebuilt from its artifacts once per fingerprint.</summary>
    internal static UapFingerprint Of(Fingerprint fingerprint) => Cache.GetValue(fingerprint, f => UapFingerprint.FromArtifacts(f.Artifacts, f.Queries));

    static readonly ConditionalWeakTable<Fingerprint, UapFingerprint> Cache = new();

    sealed class Lines(IProgress<string> progress) : IProgress<UapProgress>
    {
        public void Report(UapProgress p) => progress.Report($"{p.Stage}: {p.Detail}");
    }
}

/// <summary>The richest of the fingerprint's readings a suspect's answers allow: probabilities for full outputs,
/// top-k (renormalised) for top-k answers, one-hot labels for label-only ones.</summary>
public sealed class UapEmbeddingReading : IAnswerReading<UapAnswers>
{
    public IReadOnlyList<OutputView> Views(Fingerprint fingerprint) => UapSampler.Of(fingerprint).Readings
        .OrderByDescending(r => r.TopK == 0 ? int.MaxValue : r.TopK)
        .Select(r => r.TopK switch { 0 => new OutputView(OutputMode.Probabilities), 1 => new OutputView(OutputMode.Label), _ => new OutputView(OutputMode.TopK, r.TopK) })
        .ToList();

    public Reading<UapAnswers> Read(Fingerprint fingerprint, SuspectOutput answers)
    {
        var uap = UapSampler.Of(fingerprint);
        var reading = uap.ReadingOf(answers);
        return new(new UapAnswers(reading, fingerprint.SourceOutput), new UapAnswers(reading, answers), reading.Name);
    }
}

/// <summary>UAP §5.1–5.2: per view, the cosine similarity of the suspect's and the source's embeddings; the score is
/// their mean, and the p-value is Welch's one-sided t-test of them against the reference models' similarities.</summary>
public sealed class UapSimilarity : IScoreRule<UapAnswers>
{
    public MethodScore Compare(Fingerprint fingerprint, UapAnswers source, UapAnswers suspect)
    {
        var similarities = UapSampler.Of(fingerprint).Similarities(suspect.Answers, suspect.Reading);
        return new MethodScore(similarities.Average(), similarities);
    }

    public (double PValue, string Basis)? PValue(Fingerprint fingerprint, DecisionRule rule, MethodScore score)
    {
        if (score.PerQuery is not { Count: >= 2 } similarities) return null;
        var uap = UapSampler.Of(fingerprint);
        var reading = UapReading.Parse(rule.Representation);
        var references = uap.ReferenceSimilarities[reading];
        var test = UapFingerprint.TestAgainstReferences(similarities.ToArray(), references);
        return (test.PValue, $"one-sided Welch t-test (UAP §5.2): {similarities.Count} view similarities against {references.Length} reference similarities ({fingerprint.Parameters.GetValueOrDefault("null_sample", "kit references")})"
            + (test.Degenerate ? "; both samples constant, so p is 0 or 1 by their order" : ""));
    }
}
