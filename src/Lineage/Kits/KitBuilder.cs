using System.Diagnostics;
using Lineage.Models.Training;
using Lineage.Zoo;

namespace Lineage.Kits;

/// <summary>
/// Builds an owner's kit with the zoo builder (content-addressed cache, resumable, shardable, a failing model
/// reported without stopping the others): the source is handed in as a given model, the kit's references and
/// surrogates are the zoo's independents and stolen models, and <c>kit.json</c> is written beside the zoo's files
/// once every model is built (a run without a shard).
/// </summary>
public static class KitBuilder
{
    public static KitBuildResult Build(string sourcePath, string directory, KitBuildOptions options)
    {
        var clock = Stopwatch.StartNew();
        var data = KitSpec.DataFor(options.Size, options.Dataset);
        var pair = ZooDatasets.Load(data, options.DataDir);
        var source = KitSource.Open(sourcePath, options.Input, pair.Train);
        var spec = KitSpec.For(options.Size, data, source, options.ReferencePart);
        var plan = ZooPlan.Create(spec.ToZooSpec(new ZooGivenSpec { Hash = source.Hash, Arch = source.Spec.Name, Classes = source.Spec.Classes }));
        var result = ZooBuilder.Build(plan, directory, new ZooBuildOptions
        {
            DataDir = options.DataDir,
            Shard = options.Shard,
            Log = options.Log,
            TrainingProgress = options.TrainingProgress,
            Cancel = options.Cancel,
            Given = new Dictionary<string, Models.ModelFile> { [source.Hash] = source },
        });
        var built = result.Built.Where(id => id != KitSpec.SourceId).ToList();
        var cached = result.Cached.Where(id => id != KitSpec.SourceId).ToList();
        if (options.Shard is not null) return new KitBuildResult(null, null, built, cached, result.Warnings, clock.Elapsed.TotalSeconds);

        var byId = result.Manifest.Models.ToDictionary(m => m.Id);
        var owner = TrainingJob.SelectPart(pair.Train, DataPart.Defender, spec.SplitSeed);
        var manifest = new KitManifest
        {
            Source = new KitManifestSource
            {
                Hash = source.Hash, File = Path.GetFileName(sourcePath),
                Kind = source.Model is Models.Architectures.ImportedClassifier ? "onnx" : "lineage-model", Architecture = source.Spec.Name,
            },
            Dataset = new KitManifestDataset
            {
                Name = data.Name, TrainCount = data.TrainCount, TestCount = data.TestCount, TrainSubset = data.TrainSubset, TestSubset = data.TestSubset,
                DataSeed = data.DataSeed, SplitSeed = spec.SplitSeed, Part = "defender", OwnerImages = owner.Count, TestImages = pair.Test.Count,
                ReferencePart = spec.ReferencePart == DataPart.Attacker ? Data.SplitSpec.Attacker : null,
            },
            Input = new KitManifestInput
            {
                Declaration = KitSource.Declaration(source, options.Input),
                Mean = source.Preprocessing.Mean, Std = source.Preprocessing.Std, Shape = source.Preprocessing.Shape,
            },
            Size = spec.Size.ToString().ToLowerInvariant(),
            SpecHash = plan.SpecHash,
            Models = spec.Models.Select(m =>
            {
                var z = byId[m.Id];
                return new KitManifestModel
                {
                    Id = m.Id, Role = m.Role == KitRole.Reference ? KitManifestModel.ReferenceRole : KitManifestModel.SurrogateRole,
                    Architecture = m.Architecture, Origin = m.Origin, Chain = z.Chain, Hash = z.Hash, File = z.File,
                    TestAccuracy = z.TestAccuracy, Seconds = z.Seconds,
                };
            }).ToList(),
        };
        var path = Path.Combine(directory, KitManifest.FileName);
        manifest.Save(path);
        return new KitBuildResult(manifest, path, built, cached, result.Warnings, clock.Elapsed.TotalSeconds);
    }
}
