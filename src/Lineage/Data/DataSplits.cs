using Lineage.Engine;

namespace Lineage.Data;

/// <summary>
/// Class-balanced splits drawn from a seed, as the fingerprinting papers do them: the owner trains
/// on one half of the training set and the thief gets the other (SAC, CAE, UAP all split this way),
/// plus sub-samples and validation holdouts. Every split records itself in the dataset's origin.
/// Within each part, samples keep their original order (loaders shuffle), so a split is a pure
/// function of (dataset, seed, sizes).
/// </summary>
public static class DataSplits
{
    /// <summary>Splits every class in two by a seeded shuffle: the defender gets the first
    /// floor(n_c / 2) of class c, the attacker the rest. The halves are disjoint and cover the set.</summary>
    public static (Dataset Defender, Dataset Attacker) DefenderAttackerHalves(Dataset dataset, int seed)
    {
        var byClass = ShuffledIndicesByClass(dataset, seed);
        var defender = new List<int>();
        var attacker = new List<int>();
        foreach (var indices in byClass)
        {
            int half = indices.Length / 2;
            defender.AddRange(indices.AsSpan(0, half));
            attacker.AddRange(indices.AsSpan(half));
        }
        return (Take(dataset, defender, SplitSpec.Defender, seed, null), Take(dataset, attacker, SplitSpec.Attacker, seed, null));
    }

    /// <summary>A class-balanced random sample of <paramref name="count"/> images: count / k per class,
    /// the remainder going one each to classes picked by the seed. Fails if a class has too few.</summary>
    public static Dataset Subsample(Dataset dataset, int count, int seed)
    {
        if (count < 0 || count > dataset.Count) throw new ArgumentOutOfRangeException(nameof(count), $"cannot take {count} of {dataset.Count} samples");
        var (chosen, _) = BalancedTake(dataset, count, seed);
        return Take(dataset, chosen, SplitSpec.Sample, seed, count);
    }

    /// <summary>Holds out a class-balanced validation set of <paramref name="validationCount"/> images;
    /// the rest is for fitting. Both halves name the same seed and count, so either can be redrawn.</summary>
    public static (Dataset Fit, Dataset Validation) Holdout(Dataset dataset, int validationCount, int seed)
    {
        if (validationCount < 0 || validationCount > dataset.Count) throw new ArgumentOutOfRangeException(nameof(validationCount), $"cannot hold out {validationCount} of {dataset.Count} samples");
        var (validation, rest) = BalancedTake(dataset, validationCount, seed);
        return (Take(dataset, rest, SplitSpec.Train, seed, validationCount), Take(dataset, validation, SplitSpec.Validation, seed, validationCount));
    }

    /// <summary>Holds out a fraction (0..1) of the samples for validation.</summary>
    public static (Dataset Fit, Dataset Validation) Holdout(Dataset dataset, double validationFraction, int seed)
    {
        if (!(validationFraction >= 0 && validationFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(validationFraction), "must lie in [0, 1]");
        return Holdout(dataset, (int)Math.Round(validationFraction * dataset.Count), seed);
    }

    /// <summary>Redraws a split from its description, given the dataset named by its source.</summary>
    public static Dataset Redraw(Dataset source, SplitSpec spec)
    {
        if (source.Origin.Description != spec.Source)
            throw new ArgumentException($"split {spec} was drawn from '{spec.Source}', not from '{source.Origin.Description}'");
        return spec.Role switch
        {
            SplitSpec.Defender => DefenderAttackerHalves(source, spec.Seed).Defender,
            SplitSpec.Attacker => DefenderAttackerHalves(source, spec.Seed).Attacker,
            SplitSpec.Sample => Subsample(source, spec.Count ?? throw new ArgumentException($"split {spec} needs a count"), spec.Seed),
            SplitSpec.Train => Holdout(source, spec.Count ?? throw new ArgumentException($"split {spec} needs a count"), spec.Seed).Fit,
            SplitSpec.Validation => Holdout(source, spec.Count ?? throw new ArgumentException($"split {spec} needs a count"), spec.Seed).Validation,
            _ => throw new ArgumentException($"unknown split role '{spec.Role}' in {spec}"),
        };
    }

    static int[][] ShuffledIndicesByClass(Dataset dataset, int seed)
    {
        var lists = new List<int>[dataset.NumClasses];
        for (int c = 0; c < lists.Length; c++) lists[c] = new List<int>();
        for (int i = 0; i < dataset.Count; i++) lists[dataset.Labels[i]].Add(i);
        var gen = new Generator(seed);
        var result = new int[lists.Length][];
        for (int c = 0; c < lists.Length; c++)
        {
            result[c] = lists[c].ToArray();
            gen.Shuffle(result[c]);
        }
        return result;
    }

    /// <summary>Takes count/k per class (plus one for count % k seeded classes among those with spare
    /// samples); returns (taken, left) with each part in original order.</summary>
    static (List<int> Taken, List<int> Left) BalancedTake(Dataset dataset, int count, int seed)
    {
        var byClass = ShuffledIndicesByClass(dataset, seed);
        int present = byClass.Count(l => l.Length > 0);
        if (present == 0) return (new List<int>(), new List<int>());
        var quota = new int[byClass.Length];
        for (int c = 0; c < byClass.Length; c++) if (byClass[c].Length > 0) quota[c] = count / present;
        var order = new Generator(unchecked(seed * 31 + 7)).Permutation(byClass.Length);
        int remainder = count - quota.Sum();
        foreach (var c in order)
        {
            if (remainder == 0) break;
            if (byClass[c].Length > quota[c]) { quota[c]++; remainder--; }
        }
        for (int c = 0; c < byClass.Length; c++)
            if (quota[c] > byClass[c].Length)
                throw new ArgumentException($"{dataset.Origin}: a class-balanced sample of {count} needs {quota[c]} images of class {c} ('{dataset.ClassNames[c]}'), which has only {byClass[c].Length}");
        if (remainder > 0)
            throw new ArgumentException($"{dataset.Origin}: cannot draw a class-balanced sample of {count}");
        var taken = new List<int>(count);
        var left = new List<int>(dataset.Count - count);
        for (int c = 0; c < byClass.Length; c++)
        {
            taken.AddRange(byClass[c].AsSpan(0, quota[c]));
            left.AddRange(byClass[c].AsSpan(quota[c]));
        }
        taken.Sort();
        left.Sort();
        return (taken, left);
    }

    static Dataset Take(Dataset dataset, List<int> indices, string role, int seed, int? count)
    {
        indices.Sort();
        return dataset.Subset(indices, dataset.Origin.WithSplit(role, seed, count));
    }
}
