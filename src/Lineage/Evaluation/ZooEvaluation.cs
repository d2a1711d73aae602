using Lineage.Zoo;
using System.Diagnostics;
using Lineage.Data;
using Lineage.Evaluation.Report;
using Lineage.Fingerprints;
using Lineage.Models;
using Lineage.Models.Training;
using Lineage.Suspects;

namespace Lineage.Evaluation;

/// <summary>
/// The evaluate path (DESIGN.md): make each method's fingerprint once from the zoo's source on the owner's
/// half of the zoo's dataset, verify every stolen and independent model, compute metrics per attack
/// category, and write the report. Finished work is cached in the output folder (<see cref="EvaluationCache"/>),
/// so running again after a crash or cancellation only does what is missing and gives the same results.
/// </summary>
/// <remarks>
/// Thresholds: a seeded half of the independent models (at least one) calibrates each fingerprint's decision
/// threshold at the target FPR, as an owner would with their own null models; the detection rate and FPR at
/// that threshold are reported on the other half only. AUC, TPR@FPR and ARUC need no threshold and use every
/// suspect. Suspects never shape the fingerprint itself: SAC-w's surrogates are distilled by the owner from
/// the source on the owner's data.
/// </remarks>
public static class ZooEvaluation
{
    public static EvaluationResult Run(string zooDir, string outDir, EvaluationOptions options, IProgress<string>? progress = null,
        string? dataDir = null, CancellationToken cancel = default)
    {
        if (options.Methods.Count == 0) throw new ArgumentException("name at least one fingerprint method to evaluate");
        foreach (var m in options.Methods)
            MethodParameters.Resolve(FingerprintCatalog.Get(m).Info, options.ParametersOf(m));  // unknown names and bad values fail before any work
        if (options.Methods.Distinct().Count() != options.Methods.Count) throw new ArgumentException("a method is named twice");
        var zoo = ZooManifest.LoadDirectory(zooDir);
        var cache = new EvaluationCache(outDir);
        var sourceEntry = zoo.SourceFor(options.Source);
        var suspects = zoo.SuspectsOf(sourceEntry);
        var source = SourceModel.FromModelFile(ModelFile.Load(zoo.PathOf(sourceEntry)), sourceEntry.Id);
        var kit = options.Kit is string kitDir ? Kits.OwnerKit.Load(kitDir) : null;
        if (kit is not null) RequireDisjoint(kit, zoo, source.Hash);
        var calibration = kit is null ? CalibrationModels(zoo, options.CalibrationSeed) : kit.References.Select(m => m.Id).ToList();
        var owner = new Lazy<Dataset>(() => OwnerData(zoo, dataDir));
        foreach (var m in options.Methods)
        {
            var info = FingerprintCatalog.Get(m).Info;
            if (kit is null && (info.Has(MethodNeeds.KitReferences) || info.Has(MethodNeeds.KitSurrogates)))
                throw new ArgumentException($"{m} learns from the owner's kit: pass one with --kit DIR (lineage kit build), built apart from the zoo");
        }
        // loaded once for every method that is not cached (a model suspect holds no per-query state)
        var calibrationSuspects = new Lazy<List<ISuspect>>(() => kit is not null ? [] :
            calibration.Select(id => SuspectFactory.Open(zoo.PathOf(zoo.Models.Single(m => m.Id == id)), source.Preprocessing)).ToList());

        var fingerprints = new List<(string Method, string Folder, Fingerprint Fingerprint, double Seconds)>();
        foreach (var method in options.Methods)
        {
            cancel.ThrowIfCancellationRequested();
            var folder = cache.MethodFolder(method, string.Join("|", options.CacheKey(method, kit?.Hash), zoo.SpecHash, source.Hash, string.Join(",", calibration)));
            if (cache.TryLoadFingerprint(folder) is { } cached)
            {
                progress?.Report($"{method}: fingerprint from cache ({cached.Fingerprint.QueryCount} queries, made in {cached.Seconds:0.0} s)");
                fingerprints.Add((method, folder, cached.Fingerprint, cached.Seconds));
                continue;
            }
            progress?.Report($"{method}: making the fingerprint from {sourceEntry.Id}");
            var rule = new RuleOptions
            {
                IndependentModels = calibrationSuspects.Value,
                Kit = kit,
                TargetFpr = options.TargetFpr,
            };
            var clock = Stopwatch.StartNew();
            var context = new CreationContext { Source = source, OwnerData = owner.Value, Seed = options.Seed, Kit = kit, Progress = MethodLines(method, progress), Cancel = cancel };
            var fp = FingerprintCreation.Create(method, context, options.ParametersOf(method), rule);
            double seconds = clock.Elapsed.TotalSeconds;
            cache.SaveFingerprint(folder, fp, seconds);
            progress?.Report($"{method}: {fp.QueryCount} queries in {seconds:0.0} s");
            fingerprints.Add((method, folder, fp, seconds));
        }

        var scores = new List<ModelScore>();
        for (int i = 0; i < suspects.Count; i++)
        {
            var model = suspects[i];
            ISuspect? suspect = null;
            foreach (var (method, folder, fp, _) in fingerprints)
            {
                cancel.ThrowIfCancellationRequested();
                var score = cache.TryLoadScore(folder, model.Id, model.Hash);
                if (score is null)
                {
                    suspect ??= SuspectFactory.Open(zoo.PathOf(model), fp.Preprocessing, options.Mode, options.TopK);
                    score = Verify(fp, suspect, model);
                    cache.SaveScore(folder, score);
                }
                // What the zoo says about the model (role, category, accuracy) is read afresh; only the measurement is cached.
                scores.Add(score with { Role = model.Role, Category = model.Category, TestAccuracy = model.TestAccuracy, UsedForCalibration = calibration.Contains(model.Id) });
            }
            progress?.Report($"verified {i + 1}/{suspects.Count}: {model.Id} ({model.Category})");
        }

        var categories = EvaluationMetrics.OrderCategories(suspects.Where(m => m.Role == ZooManifestModel.StolenRole).Select(m => m.Category));
        var summaries = fingerprints.Select(f =>
        {
            var own = scores.Where(s => s.Method == f.Method).ToList();
            var direction = f.Fingerprint.Rule.Direction;
            var summary = EvaluationMetrics.Summarize(f.Method, direction, own, categories, options.ReportFpr, f.Seconds, f.Fingerprint.QueryCount);
            var rule = f.Fingerprint.Rules.FirstOrDefault(r => r.Representation == summary.Representation) ?? f.Fingerprint.Rule;
            return summary with { ThresholdBasis = rule.Basis, GuaranteedFpr = rule.GuaranteedFpr, CalibratedOn = rule.IsCalibrated ? rule.NullScores.Count : null };
        }).ToList();
        if (options.Combine is Statistics.PValueCombiner combiner)
        {
            var combined = CombinedScores.Of(scores, combiner, options.TargetFpr);
            int contributing = fingerprints.Count;
            var summary = EvaluationMetrics.Summarize(CombinedScores.MethodName(combiner), Statistics.ScoreDirection.LowerIsStolen, combined, categories,
                options.ReportFpr, fingerprints.Sum(f => f.Seconds), fingerprints.Sum(f => f.Fingerprint.QueryCount));
            summaries.Add(summary with
            {
                ThresholdBasis = $"combined p-value ≤ target FPR {options.TargetFpr:0.###}; " + Statistics.PValueCombination.Describe(combiner, contributing),
                GuaranteedFpr = Statistics.PValueCombination.ValidUnderDependence(combiner) ? options.TargetFpr : null,
            });
            scores.AddRange(combined);
        }
        var result = new EvaluationResult
        {
            // folder names, not paths: the results are meant to be shared, and the spec and kit hashes identify them
            Zoo = FolderName(zoo.Directory),
            Source = sourceEntry.Id,
            SpecHash = zoo.SpecHash,
            Dataset = zoo.Dataset.Name,
            Mode = options.Mode == OutputMode.TopK ? $"top-{options.TopK}" : options.Mode.ToString().ToLowerInvariant(),
            TargetFpr = options.TargetFpr,
            ReportFpr = options.ReportFpr,
            Categories = categories,
            CalibrationModels = calibration,
            Kit = kit is null ? null : $"{FolderName(kit.Directory)} (hash {kit.Hash[..12]}…)",
            Methods = summaries,
            Scores = scores,
        };
        EvaluationReport.WriteAll(result, outDir);
        progress?.Report($"wrote results.json, scores.csv, summary.md and report.html to {outDir}");
        return result;
    }

    /// <summary>A kit must be the owner's own: built for this source, and sharing no model (by hash) with the zoo it is
    /// evaluated on, or the methods would learn from the very suspects they are judged on.</summary>
    static void RequireDisjoint(Kits.OwnerKit kit, ZooManifest zoo, string sourceHash)
    {
        kit.RequireFor(sourceHash, zoo.Dataset.Name);
        var zooHashes = zoo.Models.Where(m => m.Role != ZooManifestModel.SourceRole).ToDictionary(m => m.Hash, m => m.Id);
        var shared = kit.Models.Where(m => zooHashes.ContainsKey(m.Hash)).ToList();
        if (shared.Count > 0)
            throw new ArgumentException($"{kit.ManifestPath}: the kit shares {shared.Count} model(s) with the zoo ({string.Join(", ", shared.Select(m => $"{m.Id} = {zooHashes[m.Hash]}"))}); "
                + "a kit must be disjoint from the zoo it is evaluated on, or the numbers lie: build the kit with other seeds");
    }

    /// <summary>A seeded half (rounded down, at least one) of the independent models, by id. With a single
    /// independent model it calibrates and nothing is held out; the report then shows no held-out FPR.</summary>
    public static IReadOnlyList<string> CalibrationModels(ZooManifest zoo, int seed)
    {
        var ids = zoo.Models.Where(m => m.Role == ZooManifestModel.IndependentRole).Select(m => m.Id).Order(StringComparer.Ordinal).ToArray();
        new Random(seed).Shuffle(ids);
        return ids.Take(Math.Max(1, ids.Length / 2)).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The defender half exactly as the zoo builder made it. The builder's <c>spec.json</c> is read when
    /// present, because a subset (<c>train_subset</c>) changes which images each half holds and the manifest records
    /// only the counts; without it, the whole named dataset is split as the manifest says.</summary>
    public static Dataset OwnerData(ZooManifest zoo, string? dataDir)
    {
        var specPath = Path.Combine(zoo.Directory, ZooBuilder.SpecFileName);
        if (File.Exists(specPath))
        {
            var spec = ZooSpec.Load(specPath);
            if (spec.Dataset.Name != zoo.Dataset.Name || spec.SplitSeed != zoo.SplitSeed)
                throw new InvalidDataException($"{specPath} describes dataset '{spec.Dataset.Name}' (split seed {spec.SplitSeed}) but the manifest says '{zoo.Dataset.Name}' (split seed {zoo.SplitSeed})");
            var pair = ZooDatasets.Load(spec.Dataset, dataDir);
            return TrainingJob.SelectPart(pair.Train, DataPart.Defender, spec.SplitSeed);
        }
        var d = zoo.Dataset;
        var data = ZooDatasets.Load(new ZooDataSpec { Name = d.Name, TrainCount = d.TrainCount, TestCount = d.TestCount, DataSeed = d.DataSeed }, dataDir);
        return TrainingJob.SelectPart(data.Train, DataPart.Defender, zoo.SplitSeed);
    }

    static string FolderName(string directory) => Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));

    static ModelScore Verify(Fingerprint fp, ISuspect suspect, ZooManifestModel model)
    {
        var entry = new ModelScore
        {
            Method = fp.Method, ModelId = model.Id, ModelHash = model.Hash, Role = model.Role, Category = model.Category, TestAccuracy = model.TestAccuracy,
            Classes = suspect.Classes,
        };
        var clock = Stopwatch.StartNew();
        try
        {
            var verdict = FingerprintVerifier.Verify(fp, suspect);
            return entry with
            {
                Score = verdict.Score, Threshold = verdict.Threshold, Flagged = verdict.Stolen, PValue = verdict.PValue,
                Representation = verdict.Representation, Queries = verdict.QueriesSpent, VerifySeconds = clock.Elapsed.TotalSeconds,
            };
        }
        catch (NotSupportedException e)
        {
            // A method that cannot read this suspect (e.g. a view it has no threshold for) is reported as "–", as in SAC's tables.
            return entry with { Note = e.Message, VerifySeconds = clock.Elapsed.TotalSeconds };
        }
    }

    static IProgress<string>? MethodLines(string method, IProgress<string>? progress)
        => progress is null ? null : new Progress(line => progress.Report($"{method}: {line}"));

    sealed class Progress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
