using System.Globalization;
using System.Runtime.CompilerServices;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Kits;
using Lineage.Models;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints.MetaV;

/// <summary>
/// MetaV on the catalog (Pan et al., "MetaV: A Meta-Verifier Approach to Task-Agnostic Model Fingerprinting", KDD
/// 2022; a NaturalFinger baseline): N owner images become queries optimised together with a meta-verifier on the
/// kit, the source and its surrogates as positives and all but the held-out references as negatives
/// (<see cref="MetaVTraining"/>); a suspect is read by its softmax outputs on the queries and scored by the
/// verifier's derived-minus-independent logit margin. The verifier's weights travel in the fingerprint file.
/// </summary>
public sealed class MetaVMethod : IQuerySampler
{
    public static readonly IFingerprintMethod Method = new ComposedMethod<float[]>(new MethodInfo
    {
        Name = "metav",
        Paper = "MetaV: Pan et al., \"MetaV: A Meta-Verifier Approach to Task-Agnostic Model Fingerprinting\", KDD 2022",
        Description = "owner images optimised jointly with a meta-verifier on the kit; score = the verifier's logit margin on the suspect's softmax outputs",
        Parameters =
        [
            MethodParameter.Int("samples", 100, "N: queries, started from seeded owner images", 1),
            MethodParameter.Int("hidden", 128, "the verifier's hidden width (the re-implementation: 128)", 1),
            MethodParameter.Int("steps", 300, "Adam steps over the kit (lr decays linearly to 0)", 1),
            MethodParameter.Double("lr", 0.01, "Adam learning rate (the re-implementation: 0.01)", 0, 1, minExclusive: true),
            MethodParameter.Int("held_out_references", 0, "kit references left out of training for calibration (0: 2 when the kit has at least 4, else 1)", 0),
        ],
        Reads = OutputMode.Probabilities,
        Needs = MethodNeeds.OwnerData | MethodNeeds.KitReferences | MethodNeeds.KitSurrogates,
        Direction = ScoreDirection.HigherIsStolen,
    }, new MetaVMethod(), new ProbabilitiesReading(), new MetaVScore());

    public SampledQueries Sample(CreationContext context, MethodParameters p)
    {
        var kit = context.Kit ?? throw new ArgumentException("metav learns from the owner's kit of surrogates and references (--kit DIR; build one with 'lineage kit build')");
        int heldOut = p.Int("held_out_references");
        if (heldOut == 0) heldOut = kit.References.Count >= 4 ? 2 : 1;
        kit.RequireAtLeast("metav", heldOut + 1, 1);
        var (training, calibration) = kit.Split(KitRole.Reference, heldOut, context.Seed);
        var source = context.Source;
        Func<Tensor, Tensor> Load(KitModel m)
        {
            var file = m.LoadFor(kit, source.Preprocessing.Shape, source.Name);
            if (file.Spec.Classes != source.Classes)
                throw new ArgumentException($"{kit.ManifestPath}: kit model '{m.Id}' has {file.Spec.Classes} classes, the source {source.Classes}");
            return file.Logits;
        }
        int n = p.Int("samples");
        if (n > context.OwnerData.Count) throw new ArgumentException($"metav samples = {n} is more than the {context.OwnerData.Count} owner images");
        var start = context.OwnerData.Gather(new Generator(context.Seed).Permutation(context.OwnerData.Count)[..n]);
        var options = new MetaVOptions { Hidden = p.Int("hidden"), Steps = p.Int("steps"), LearningRate = p.Double("lr"), Seed = context.Seed };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = MetaVTraining.Train(source.Logits, kit.Surrogates.Select(Load).ToList(), training.Select(Load).ToList(), start, source.Classes,
            options, context.Progress, context.Cancel);
        var c = CultureInfo.InvariantCulture;
        return new SampledQueries
        {
            Queries = result.Queries,
            Artifacts = result.Verifier.Weights().ToDictionary(kv => "verifier." + kv.Key, kv => kv.Value),
            KitModelsUsed = [.. kit.Surrogates.Select(m => m.Id), .. training.Select(m => m.Id)],
            Facts = new Dictionary<string, string>
            {
                ["kit_training_references"] = string.Join(" ", training.Select(m => m.Id)),
                ["kit_held_out_references"] = string.Join(" ", calibration.Select(m => m.Id)),
                ["final_loss"] = result.Losses[^1].ToString("0.####", c),
                ["training_seconds"] = clock.Elapsed.TotalSeconds.ToString("0.0", c),
                ["owner_data"] = context.OwnerData.Origin.Description,
            },
        };
    }

    /// <summary>The verifier a fingerprint carries, rebuilt once per fingerprint.</summary>
    internal static MetaVVerifier Of(Fingerprint fingerprint) => Cache.GetValue(fingerprint, f => MetaVVerifier.FromWeights(
        f.Artifacts.Where(kv => kv.Key.StartsWith("verifier.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["verifier.".Length..], kv => kv.Value)));

    static readonly ConditionalWeakTable<Fingerprint, MetaVVerifier> Cache = new();
}

/// <summary>Softmax outputs on the queries, row after row: logits are normalised, probabilities taken as they are;
/// answers that reveal less (top-k, labels) cannot be read this way.</summary>
public sealed class ProbabilitiesReading : IAnswerReading<float[]>
{
    public IReadOnlyList<OutputView> Views(Fingerprint fingerprint) => [new(OutputMode.Probabilities)];

    public Reading<float[]> Read(Fingerprint fingerprint, SuspectOutput answers)
        => new(Probabilities(fingerprint.SourceOutput), Probabilities(answers), "probabilities");

    static float[] Probabilities(SuspectOutput answers)
    {
        if (answers.Values is not float[] values || answers.Mode is not (OutputMode.Logits or OutputMode.Probabilities))
            throw new NotSupportedException($"this method reads full output vectors (logits or probabilities); the suspect answers {answers.Mode.ToString().ToLowerInvariant()}");
        if (answers.Mode == OutputMode.Probabilities) return values;
        var p = new float[values.Length];
        int c = answers.Classes;
        for (int r = 0; r < answers.Count; r++)
        {
            var row = values.AsSpan(r * c, c);
            float max = float.NegativeInfinity;
            foreach (var v in row) max = Math.Max(max, v);
            double sum = 0;
            for (int j = 0; j < c; j++) sum += p[r * c + j] = MathF.Exp(row[j] - max);
            for (int j = 0; j < c; j++) p[r * c + j] = (float)(p[r * c + j] / sum);
        }
        return p;
    }
}

/// <summary>The meta-verifier's derived-minus-independent logit margin on the suspect's outputs, capped at the source's
/// own: unbounded below, so the model-level p-value has a spread to model where a saturated probability would not,
/// and no suspect looks more derived than the source itself (a linear verifier can put a copy past it).</summary>
public sealed class MetaVScore : IScoreRule<float[]>
{
    public MethodScore Compare(Fingerprint fingerprint, float[] source, float[] suspect)
    {
        var verifier = MetaVMethod.Of(fingerprint);
        // another label space (a transferred model) gives outputs the verifier was not built for: not readable, not an error
        if (suspect.Length != verifier.Inputs)
            throw new NotSupportedException($"MetaV's verifier reads {verifier.Inputs} output values ({fingerprint.Classes} classes × {fingerprint.QueryCount} queries); this suspect gave {suspect.Length}");
        if (source.Length != suspect.Length) throw new ArgumentException($"{suspect.Length} suspect output values for {source.Length} of the source");
        var margins = verifier.Margins([.. suspect, .. source], 2);
        return new MethodScore(Math.Min(margins[0], margins[1]));
    }

    public (double PValue, string Basis)? PValue(Fingerprint fingerprint, DecisionRule rule, MethodScore score) => null;
}
