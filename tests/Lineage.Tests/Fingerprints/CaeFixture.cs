using Lineage.Data;
using Lineage.Engine;
using Lineage.Fingerprints;
using Lineage.Fingerprints.Cae;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Models.Training;

namespace Lineage.Tests.Fingerprints;

/// <summary>A tiny CAE kit on the shapes data, trained once for all CAE tests: a source on the defender half,
/// three surrogates distilled from it (two for training, one held out) and three references trained on true
/// labels (two on the defender half for training, one on the attacker half held out).</summary>
public sealed class CaeFixture
{
    public Dataset Defender { get; }
    public ModelFile Source { get; }
    public ModelFile[] Surrogates { get; }
    public ModelFile[] References { get; }
    public ModelFile HeldOutSurrogate { get; }
    public ModelFile HeldOutReference { get; }

    public CaeFixture()
    {
        var data = DatasetCatalog.Load("shapes", new DatasetLoadOptions { TrainCount = 2000, TestCount = 200, Seed = 21 });
        var (defender, attacker) = DataSplits.DefenderAttackerHalves(data.Train, 1);
        Defender = defender;
        var options = new TrainingOptions { Epochs = 3, BatchSize = 64, LearningRate = 0.05, Seed = 1 };
        Source = Train(defender, options, "cnn-c", 1);
        var source = SourceModel.FromModelFile(Source, "source");
        var teacher = source.LogitsOf(defender.AsTensor());
        ModelFile Distil(int seed) => Wrap(Lineage.Fingerprints.Surrogates.Distil(Source.Spec.Copy(), source, defender, teacher, 2, seed), defender, seed);
        Surrogates = [Distil(11), Distil(12)];
        HeldOutSurrogate = Distil(13);
        References = [Train(defender, options with { Seed = 21 }, "cnn-c", 21), Train(defender, options with { Seed = 22 }, "cnn-c", 22)];
        HeldOutReference = Train(attacker, options with { Seed = 23 }, "cnn-c", 23);
        generated = new(() =>
        {
            var lines = new List<string>();
            return (Generate(Small, new ListProgress(lines)), lines);
        });
    }

    sealed class ListProgress(List<string> lines) : IProgress<string>
    {
        public void Report(string value) => lines.Add(value);
    }

    /// <summary>Small C-BIM settings for the tiny kit.</summary>
    public static readonly CaeOptions Small = new() { Candidates = 60, Examples = 20, Steps = 20, StepSize = 0.02f, Epsilon = 0.15f, Seed = 3 };

    /// <summary>One C-BIM run with <see cref="Small"/>, shared by the tests that only read its result, and the
    /// progress lines it reported.</summary>
    public (CaeResult Result, IReadOnlyList<string> Progress) Generated => generated.Value;
    readonly Lazy<(CaeResult, IReadOnlyList<string>)> generated;

    public CaeResult Generate(CaeOptions options, IProgress<string>? progress = null, CancellationToken cancel = default) =>
        CaeGenerator.Generate(SourceModel.FromModelFile(Source, "source"), SurrogateLogits, ReferenceLogits, Defender, options, progress, cancel);

    public Func<Tensor, Tensor>[] SurrogateLogits => Surrogates.Select(m => (Func<Tensor, Tensor>)m.Logits).ToArray();
    public Func<Tensor, Tensor>[] ReferenceLogits => References.Select(m => (Func<Tensor, Tensor>)m.Logits).ToArray();

    static ModelFile Train(Dataset data, TrainingOptions options, string arch, int seed)
    {
        var model = ArchitectureCatalog.Create(new ArchitectureSpec { Name = arch, InChannels = 1, ImageSize = 28, Classes = 10, Width = 0.5f }, new Generator(seed));
        Trainer.Train(model, data.Preprocessing, data, options);
        return Wrap(model, data, seed);
    }

    static ModelFile Wrap(Classifier model, Dataset data, int seed)
    {
        model.Eval();
        return new ModelFile { Model = model, Preprocessing = data.Preprocessing, TrainedOn = data.Origin.Description, Lineage = ModelLineage.Trained(model.Spec.Name, data.Origin.Description, seed, new Dictionary<string, string>()) };
    }
}
