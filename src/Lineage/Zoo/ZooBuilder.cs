using Lineage.Files;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lineage.Attacks;
using Lineage.Data;
using Lineage.Models;
using Lineage.Models.Training;

namespace Lineage.Zoo;

/// <summary>
/// Builds a planned zoo into a directory through a content-addressed cache: a node whose file
/// <c>models/&lt;recipe hash&gt;.safetensors</c> already loads is reused, anything else is built from its parent
/// (built or loaded first) and written atomically. A shard builds the models it owns plus any missing ancestors,
/// so shards need no coordination: two shards building the same ancestor write identical recipes to the same name,
/// each by rename. A cached file that does not load (corrupt, wrong architecture, wrong step) is reported, moved
/// aside to <c>*.corrupt</c> and rebuilt.
/// </summary>
public static class ZooBuilder
{
    public const string SpecFileName = "spec.json";

    public static ZooBuildResult Build(ZooPlan plan, string dir, ZooBuildOptions? options = null)
    {
        options ??= new ZooBuildOptions();
        var run = new Run(plan, dir, options);
        return run.Execute();
    }

    sealed class Run(ZooPlan plan, string dir, ZooBuildOptions options)
    {
        readonly Dictionary<string, ModelFile> loaded = new(StringComparer.Ordinal);
        readonly HashSet<string> builtNodes = new(StringComparer.Ordinal);
        readonly List<string> warnings = [];
        readonly Dictionary<string, StepFailedException> failedNodes = new(StringComparer.Ordinal);
        readonly Stopwatch clock = Stopwatch.StartNew();
        DatasetPair? data;
        DatasetPair? transfer;
        readonly Dictionary<DataPart, Dataset> parts = [];

        string Full(string relative) => Path.Combine(dir, relative);
        string CheckpointTag => options.Shard is { } s ? $"shard-{s.Index}-of-{s.Count}" : "all";

        public ZooBuildResult Execute()
        {
            Directory.CreateDirectory(Full("models"));
            if (options.BuildMissing) AtomicFile.WriteAllText(Full(SpecFileName), plan.SpecJson + "\n");
            var scope = plan.Entries.Where(e => options.Shard?.Owns(e) ?? true).ToArray();
            var failures = new List<ZooBuildFailure>();
            for (int i = 0; i < scope.Length; i++)
            {
                options.Cancel.ThrowIfCancellationRequested();
                // One model that fails (a diverging learning rate, a bad file) must not cost the rest of a long build.
                try
                {
                    foreach (var node in scope[i].Nodes) Ensure(node, $"[{i + 1}/{scope.Length}] {scope[i].Id}");
                }
                catch (Exception e) when (options.BuildMissing && IsModelFailure(e))
                {
                    var where = e is StepFailedException sf ? sf.Where : "";
                    var message = e is StepFailedException ? e.InnerException!.Message : e.Message;
                    failures.Add(new ZooBuildFailure(scope[i].Id, where, message));
                    options.Log?.Invoke($"[{i + 1}/{scope.Length}] {scope[i].Id}: failed: {(where.Length > 0 ? where + ": " : "")}{message}");
                }
            }
            if (failures.Count > 0) throw new ZooBuildException(failures, builtNodes.Count);

            var manifest = new ZooManifest
            {
                SpecHash = plan.SpecHash,
                Dataset = DescribeData(),
                SplitSeed = plan.Spec.SplitSeed,
                Models = scope.Select(Describe).ToArray(),
            };
            var path = Full(options.Shard?.ManifestFileName ?? ZooManifest.FileName);
            manifest.Save(path);
            var finals = plan.Entries.Where(e => e.Nodes.Any(n => builtNodes.Contains(n.RecipeHash))).Select(e => e.Id).ToArray();
            var cached = scope.Select(e => e.Id).Except(finals).ToArray();
            return new ZooBuildResult(manifest, path, finals, cached, builtNodes.Count, warnings, clock.Elapsed.TotalSeconds);
        }

        ZooManifestModel Describe(ZooEntry entry)
        {
            var file = loaded[entry.Final.RecipeHash];
            var records = entry.Nodes.Where(n => n.Given is null).Select(n => ZooBuildRecord.TryLoad(Full(n.BuildRecordFile))).ToArray();
            return new ZooManifestModel
            {
                Id = entry.Id,
                // a given model is not in the directory
                File = entry.Final.Given is null ? entry.Final.File : "",
                Hash = file.Hash,
                Role = entry.Role.ToString().ToLowerInvariant(),
                Category = entry.Category,
                Source = entry.SourceId,
                Chain = file.Lineage.Chain,
                TestAccuracy = file.TestAccuracy,
                Seconds = records.All(r => r is not null) ? Math.Round(records.Sum(r => r!.Seconds), 3) : null,
            };
        }

        /// <summary>The dataset block needs the real counts; for a fully cached zoo the data is loaded only for that
        /// (generation and subsampling take well under a second next to any training).</summary>
        ZooManifestDataset DescribeData()
        {
            var pair = Data();
            return new ZooManifestDataset { Name = plan.Spec.Dataset.Name, TrainCount = pair.Train.Count, TestCount = pair.Test.Count, DataSeed = plan.Spec.Dataset.DataSeed };
        }

        DatasetPair Data() => data ??= ZooDatasets.Load(plan.Spec.Dataset, options.DataDir);

        /// <summary>The defender, attacker or whole training set, split once per run: every step of a zoo uses the same halves.</summary>
        Dataset Part(DataPart part)
            => parts.TryGetValue(part, out var d) ? d : parts[part] = TrainingJob.SelectPart(Data().Train, part, plan.Spec.SplitSeed);

        DatasetPair Transfer() => transfer ??= ZooDatasets.Load(plan.Spec.TransferData!, options.DataDir);

        ModelFile Ensure(ZooNode node, string label)
        {
            if (loaded.TryGetValue(node.RecipeHash, out var known)) return known;
            if (node.Given is string hash)
            {
                var given = options.Given?.GetValueOrDefault(hash)
                    ?? throw new ArgumentException($"{node.Where}: the given model {hash} was not handed to the build (ZooBuildOptions.Given)");
                if (given.Hash != hash) throw new ArgumentException($"{node.Where}: the model handed in has hash {given.Hash}, but the plan names {hash}");
                return loaded[node.RecipeHash] = given;
            }
            var path = Full(node.File);
            if (File.Exists(path) && TryLoadCached(node, path) is { } cached)
            {
                options.Log?.Invoke($"{label}: {node.Where}: cached ({node.File})");
                return loaded[node.RecipeHash] = cached;
            }
            if (!options.BuildMissing)
                throw new InvalidDataException($"{dir}: {node.Where} is not built ({node.File} missing); run 'lineage zoo build' first");
            if (failedNodes.TryGetValue(node.RecipeHash, out var earlier)) throw earlier;
            var parent = node.Parent is null ? null : Ensure(node.Parent, label);
            options.Log?.Invoke($"{label}: {node.Where}: building");
            var watch = Stopwatch.StartNew();
            var checkpoint = Full($"models/{node.RecipeHash}.{CheckpointTag}.checkpoint");
            ModelFile model;
            try { model = node.Train is { } train ? RunTrain(train, node, checkpoint) : RunAttack(node, parent!); }
            catch (Exception e) when (IsModelFailure(e))
            {
                // remembered, so models sharing this step fail at once instead of training it again
                var failed = new StepFailedException(node.Where, e);
                failedNodes[node.RecipeHash] = failed;
                throw failed;
            }
            double seconds = watch.Elapsed.TotalSeconds;
            new ZooBuildRecord(node.Where, Math.Round(seconds, 3), DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), JsonNode.Parse(node.Recipe))
                .Save(Full(node.BuildRecordFile));
            model.Save(path);
            File.Delete(checkpoint);
            builtNodes.Add(node.RecipeHash);
            options.Log?.Invoke($"{label}: {node.Where}: built in {seconds:0.0} s, test accuracy {model.TestAccuracy:P1}");
            return loaded[node.RecipeHash] = model;
        }

        ModelFile? TryLoadCached(ZooNode node, string path)
        {
            string problem;
            try
            {
                var file = ModelFile.Load(path);
                int expectedSeed = node.Train?.Options.Seed ?? node.Seed;
                if (file.Lineage.Step == node.Step && file.Lineage.Seed == expectedSeed) return file;
                problem = $"{path} records step {file.Lineage.Step} (seed {file.Lineage.Seed}) but its recipe is {node.Step} (seed {expectedSeed})";
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or JsonException or FormatException or ArgumentException)
            {
                problem = e.Message;
            }
            var message = $"{node.Where}: cached model is unusable and is rebuilt (old file kept as {Path.GetFileName(path)}.corrupt): {problem}";
            warnings.Add(message);
            options.Log?.Invoke("warning: " + message);
            if (!options.BuildMissing) throw new InvalidDataException(message);
            try { File.Move(path, path + ".corrupt", overwrite: true); }
            catch (FileNotFoundException) { }  // another shard moved it first
            return null;
        }

        ModelFile RunTrain(ZooTrainStep train, ZooNode node, string checkpoint)
        {
            var pair = Data();
            var part = Part(train.Part);
            if (train.Subset is int n) part = DataSplits.Subsample(part, Math.Min(n, part.Count), plan.Spec.SplitSeed);
            return TrainingJob.Run(new DatasetPair(part, pair.Test, pair.Location), DataPart.All, plan.Spec.SplitSeed, train.Architecture, train.Width,
                train.Options, options.TrainingProgress?.Invoke(node.Where), checkpoint, options.Cancel).Model;
        }

        ModelFile RunAttack(ZooNode node, ModelFile parent)
        {
            var pair = Data();
            bool needsTransfer = node.UsesTransferData;
            var context = new AttackContext
            {
                ThiefData = Part(plan.ThiefPart),
                Test = pair.Test,
                TransferSet = needsTransfer ? Transfer().Train : null,
                TransferTest = needsTransfer ? Transfer().Test : null,
                Seed = node.Seed,
                Progress = options.TrainingProgress?.Invoke(node.Where),
                Cancel = options.Cancel,
            };
            return node.Attack!.Run(parent, context);
        }
    }

    /// <summary>What one model's failure is, as opposed to what stops the whole build at once: cancellation, and
    /// data that is missing or unreadable (every model would fail the same way).</summary>
    static bool IsModelFailure(Exception e) => e is not (OperationCanceledException or DatasetNotFoundException or DataFormatException);

    /// <summary>A step that threw while being built, with where it is in the spec.</summary>
    sealed class StepFailedException(string where, Exception inner) : Exception($"{where}: {inner.Message}", inner)
    {
        public string Where { get; } = where;
    }
}
