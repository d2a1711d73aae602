using System.Globalization;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Kits;
using Lineage.Models.Architectures;
using Lineage.Models.Training;
using Lineage.Suspects;

namespace Lineage.Fingerprints.Sac;

/// <summary>
/// SAC-w (SAC Eq. 7): owner images that the source and every one of m surrogates misclassify. The surrogates are
/// the owner's kit's surrogates when a kit is given (extraction students made through the black-box boundary, so any
/// source works), else students distilled here from the source's outputs on the owner's data, into the source's own
/// architecture or a catalog architecture (so an ONNX source, which has none, works too).
/// </summary>
public sealed class SacW : IQuerySampler
{
    const string SourceArchitecture = "source";

    public static readonly IFingerprintMethod Method = new ComposedMethod<CorrelationMatrix>(
        SacDeclaration.Info("sac-w", "correlation matrices of the outputs on owner images the source and its surrogates misclassify",
            MethodNeeds.OwnerData,
        [
            MethodParameter.Int("samples", 100, "hard samples to keep at most (50 suffice, SAC Fig. 2b)", 2),
            MethodParameter.Int("surrogates", 3, "surrogates (m in Eq. 7): the kit's when a kit is given, else distilled from the source", 0, 50),
            MethodParameter.Int("surrogate_epochs", 5, "distillation epochs per surrogate", 1, 1000),
            MethodParameter.Choice("surrogate_arch", SourceArchitecture, "architecture of the surrogates: the source's own (a Lineage model file) or a catalog architecture",
                [SourceArchitecture, .. ArchitectureCatalog.Names.Where(n => n != EnsembleClassifier.ArchitectureName)]),
        ]),
        new SacW(), new CorrelationReading(), new CorrelationDistance());

    public SampledQueries Sample(CreationContext context, MethodParameters p)
    {
        var source = context.Source;
        var owner = context.OwnerData;
        int surrogates = p.Int("surrogates");
        var sourceLogits = source.LogitsOf(owner.AsTensor());  // once: the prediction and every surrogate's teacher
        var sourcePred = SuspectOutput.FromLogits(sourceLogits, owner.Count, source.Classes).Labels;
        var wrong = Enumerable.Range(0, owner.Count).Where(i => sourcePred[i] != owner.Labels[i]).ToList();
        void KeepMisclassified(int[] predicted) => wrong = wrong.Where((_, k) => predicted[k] != owner.Labels[wrong[k]]).ToList();
        var kitUsed = new List<string>();
        if (context.Kit is { Surrogates.Count: > 0 } kit)
        {
            var (chosen, _) = kit.Split(KitRole.Surrogate, Math.Max(0, kit.Surrogates.Count - surrogates), context.Seed);
            foreach (var m in chosen.TakeWhile(_ => wrong.Count > 0))
            {
                context.Cancel.ThrowIfCancellationRequested();
                KeepMisclassified(ModelSuspect.Of(m.Load(kit), m.Id).Query(owner.Subset(wrong).AsTensor()).Labels);
                kitUsed.Add(m.Id);
                context.Progress?.Report($"kit surrogate {m.Id}: {wrong.Count} owner images still misclassified by all");
            }
        }
        else
        {
            var spec = SurrogateSpec(source, p.Text("surrogate_arch"));
            for (int m = 0; m < surrogates && wrong.Count > 0; m++)
            {
                context.Cancel.ThrowIfCancellationRequested();
                var surrogate = Surrogates.Distil(spec, source, owner, sourceLogits, p.Int("surrogate_epochs"), context.Seed + 1000 + m,
                    new EpochLines($"surrogate {m + 1}/{surrogates}", context.Progress));
                KeepMisclassified(Evaluate.Predict(surrogate, source.Preprocessing, owner.Subset(wrong)));
            }
        }
        if (wrong.Count < 2)
            throw new InvalidOperationException($"SAC-w found {wrong.Count} owner images misclassified by the source and all its surrogates; use more owner data, fewer surrogates, or SAC-m");
        var gen = new Generator(context.Seed);
        var order = wrong.ToArray();
        gen.Shuffle(order);
        var keep = order.Take(p.Int("samples")).Order().ToArray();
        return new SampledQueries
        {
            Queries = owner.Gather(keep).ClonePersistent(),
            Facts = new Dictionary<string, string>
            {
                ["hard_samples_found"] = wrong.Count.ToString(CultureInfo.InvariantCulture),
                ["surrogates_from"] = kitUsed.Count > 0 ? "kit: " + string.Join(" ", kitUsed) : "distilled",
                ["owner_data"] = owner.Origin.Description,
            },
        };
    }

    static ArchitectureSpec SurrogateSpec(SourceModel source, string architecture)
    {
        if (architecture == SourceArchitecture)
            return source.File?.Spec.Copy() ?? throw new ArgumentException(
                $"SAC-w: the source {source.Name} is not a Lineage model file, so it has no architecture to distil surrogates into; give surrogate_arch=NAME (a catalog architecture such as cnn-c)");
        var shape = source.Preprocessing;
        if (shape.Height != shape.Width) throw new ArgumentException($"SAC-w: catalog architectures take square images; the source takes {shape.Height}×{shape.Width}");
        return new ArchitectureSpec { Name = architecture, InChannels = shape.Channels, ImageSize = shape.Height, Classes = source.Classes };
    }

    /// <summary>One progress line per finished surrogate epoch.</summary>
    sealed class EpochLines(string title, IProgress<string>? progress) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress t)
        {
            if (t.Batch == t.Batches) progress?.Report($"{title}: epoch {t.Epoch}/{t.Epochs}, loss {t.Loss:0.000}");
        }
    }
}
