using System.Globalization;
using Lineage.Engine;
using Lineage.Kits;
using Lineage.Models;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints.Cae;

/// <summary>
/// CAE on the catalog: C-BIM (<see cref="CaeGenerator"/>) on the source with the owner's kit split into training
/// surrogates and references and held-out ones; the queries are the kept conferrable examples, the expected labels
/// the source's; a suspect is read by its labels and scored by fingerprint accuracy (Algorithm 1). The held-out
/// models measure the examples' conferrability without the bias of the models they were made on (the paper's
/// testing surrogates and references); both measurements are recorded in the fingerprint's facts.
/// </summary>
public sealed class CaeMethod : IQuerySampler
{
    public const string Paper = "CAE: Lukas, Zhang and Kerschbaum, \"Deep Neural Network Fingerprinting by Conferrable Adversarial Examples\", ICLR 2021";

    public static readonly IFingerprintMethod Method = new ComposedMethod<int[]>(new MethodInfo
    {
        Name = "cae",
        Paper = Paper,
        Description = "conferrable adversarial examples made by C-BIM on the kit's surrogates and references; score = fingerprint accuracy (label agreement)",
        Parameters =
        [
            MethodParameter.Double("epsilon", 0.15, "L∞ radius of the perturbation (Tables 1–3: 0.15)", 0, 1, minExclusive: true),
            MethodParameter.Double("step_size", 0.01, "BIM step size (Table 6: 0.01)", 0, 1, minExclusive: true),
            MethodParameter.Int("steps", 100, "BIM iterations (Table 6: 100)", 1),
            MethodParameter.Double("dropout", 0.5, "probability of dropping an ensemble member's vote per example and step (§6.2: 0.5)", 0, 0.99),
            MethodParameter.Double("alpha", 1, "weight of the ensemble term −log M_E[t] (Eq. 14)", 0),
            MethodParameter.Double("beta", 0, "weight of the re-implementations' term moving the source away from its clean prediction (0: the paper's loss)", 0),
            MethodParameter.Double("gamma", 0, "weight of the re-implementations' term keeping the source close to the surrogates (0: the paper's loss)", 0),
            MethodParameter.Int("candidates", 300, "owner images the source classifies correctly to start from (§4.3: 300)", 1),
            MethodParameter.Int("examples", 100, "conferrable examples kept", 1),
            MethodParameter.Double("min_conferrability", 0, "τ: least conferrability on the training models to keep an example (the paper: 1; 0 keeps the most conferrable)", 0, 1),
            MethodParameter.Int("held_out_surrogates", 1, "kit surrogates kept out of generation to measure conferrability", 1),
            MethodParameter.Int("held_out_references", 0, "kit references kept out of generation, to measure conferrability and calibrate on (0: 2 when the kit has at least 4 references, so the model-level p-value has a spread to model; else 1)", 0),
        ],
        Reads = OutputMode.Label,
        Needs = MethodNeeds.OwnerData | MethodNeeds.SourceGradients | MethodNeeds.KitReferences | MethodNeeds.KitSurrogates,
        Direction = ScoreDirection.HigherIsStolen,
        PaperRule = (_, _) => DecisionRule.Paper(ScoreDirection.HigherIsStolen, CaeScore.PaperThreshold, "CAE §5.2, θ = 0.7 chosen empirically"),
    }, new CaeMethod(), new LabelsReading(), new LabelAgreement(binomialPValue: true));

    public SampledQueries Sample(CreationContext context, MethodParameters p)
    {
        var source = context.Source;
        var kit = context.Kit ?? throw new ArgumentException("cae needs the owner's kit of surrogates and references (--kit DIR; build one with 'lineage kit build')");
        int heldOutSurrogates = p.Int("held_out_surrogates"), heldOutReferences = p.Int("held_out_references");
        if (heldOutReferences == 0) heldOutReferences = kit.References.Count >= CaeGenerator.MinimumTrainingModels + 2 ? 2 : 1;
        kit.RequireAtLeast("cae", CaeGenerator.MinimumTrainingModels + heldOutReferences, CaeGenerator.MinimumTrainingModels + heldOutSurrogates);
        var (trainSurrogates, testSurrogates) = kit.Split(KitRole.Surrogate, heldOutSurrogates, context.Seed);
        var (trainReferences, testReferences) = kit.Split(KitRole.Reference, heldOutReferences, context.Seed);
        ModelFile Load(KitModel m) => m.LoadFor(kit, source.Preprocessing.Shape, source.Name);
        var surrogates = trainSurrogates.Select(Load).ToArray();
        var references = trainReferences.Select(Load).ToArray();
        var options = new CaeOptions
        {
            Epsilon = (float)p.Double("epsilon"),
            StepSize = (float)p.Double("step_size"),
            Steps = p.Int("steps"),
            Dropout = (float)p.Double("dropout"),
            Alpha = (float)p.Double("alpha"),
            Beta = (float)p.Double("beta"),
            Gamma = (float)p.Double("gamma"),
            Candidates = p.Int("candidates"),
            Examples = p.Int("examples"),
            MinConferrability = p.Double("min_conferrability"),
            Seed = context.Seed,
        };
        var result = CaeGenerator.Generate(source, surrogates.Select(m => (Func<Tensor, Tensor>)m.Logits).ToArray(),
            references.Select(m => (Func<Tensor, Tensor>)m.Logits).ToArray(), context.OwnerData, options, context.Progress, context.Cancel);

        ISuspect[] Suspects(IEnumerable<(KitModel Entry, ModelFile File)> models) => models.Select(m => (ISuspect)ModelSuspect.Of(m.File, m.Entry.Id, OutputMode.Label)).ToArray();
        var heldOut = HeldOutConferrability.Measure(result.Examples, result.SourceLabels,
            Suspects(testSurrogates.Select(m => (m, Load(m)))), Suspects(testReferences.Select(m => (m, Load(m)))));
        var c = CultureInfo.InvariantCulture;
        string F(double v) => v.ToString("0.###", c);
        var s = result.Stats;
        return new SampledQueries
        {
            Queries = result.Examples,
            ExpectedLabels = result.SourceLabels,
            // calibration must not use the references C-BIM pushed away from the source's labels
            KitModelsUsed = [.. trainSurrogates.Select(m => m.Id), .. trainReferences.Select(m => m.Id)],
            Artifacts = new Dictionary<string, Tensor>
            {
                ["conferrability"] = Tensor.FromArray(result.Conferrability.Select(v => (float)v).ToArray(), result.Conferrability.Length),
                ["held_out_conferrability"] = Tensor.FromArray(heldOut.PerExample.Select(v => (float)v).ToArray(), heldOut.PerExample.Length),
            },
            Facts = new Dictionary<string, string>
            {
                ["kit_training_surrogates"] = string.Join(" ", trainSurrogates.Select(m => m.Id)),
                ["kit_training_references"] = string.Join(" ", trainReferences.Select(m => m.Id)),
                ["kit_held_out_surrogates"] = string.Join(" ", testSurrogates.Select(m => m.Id)),
                ["kit_held_out_references"] = string.Join(" ", testReferences.Select(m => m.Id)),
                ["candidates"] = s.Candidates.ToString(c),
                ["flipped"] = s.Flipped.ToString(c),
                ["fully_conferrable"] = s.FullyConferrable.ToString(c),
                ["training_conferrability"] = F(s.MeanKeptConferrability),
                ["held_out_conferrability"] = F(heldOut.MeanConferrability),
                ["held_out_surrogate_accuracy"] = $"[{F(heldOut.MinSurrogateAccuracy)}, {F(heldOut.MaxSurrogateAccuracy)}]",
                ["held_out_reference_accuracy"] = $"[{F(heldOut.MinReferenceAccuracy)}, {F(heldOut.MaxReferenceAccuracy)}]",
                ["generation_seconds"] = s.Seconds.ToString("0.0", c),
                ["owner_data"] = context.OwnerData.Origin.Description,
            },
        };
    }
}
