using System.Collections;
using Lineage.Data.Augmentations;
using Lineage.Engine;

namespace Lineage.Data;

/// <summary>One mini-batch: images [n, C, H, W] (a pooled tensor, released by the enclosing
/// TensorScope), their labels, and their indices in the dataset.</summary>
public sealed record DataBatch(Tensor Images, int[] Labels, int[] Indices);

/// <summary>
/// Iterates a dataset in mini-batches. Each pass (epoch) shuffles with a generator derived from
/// (seed, epoch), so epoch k is the same on every run whatever happened before it; only one batch
/// is copied out of the dataset at a time. An optional augmentation is applied per batch with a
/// generator derived from the same (seed, epoch).
/// </summary>
public sealed class DataLoader : IEnumerable<DataBatch>
{
    public Dataset Dataset { get; }
    public int BatchSize { get; }
    public bool Shuffle { get; }
    public bool DropLast { get; }
    public int Seed { get; }
    public IAugmentation? Augmentation { get; }
    int nextEpoch;

    public DataLoader(Dataset dataset, int batchSize, bool shuffle = true, int seed = 0, bool dropLast = false, IAugmentation? augmentation = null)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be positive");
        Dataset = dataset; BatchSize = batchSize; Shuffle = shuffle; Seed = seed; DropLast = dropLast; Augmentation = augmentation;
    }

    /// <summary>Batches per epoch.</summary>
    public int Count => DropLast ? Dataset.Count / BatchSize : (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>The batches of epoch <paramref name="epoch"/> (a pure function of seed and epoch).</summary>
    public IEnumerable<DataBatch> Epoch(int epoch)
    {
        var order = Shuffle ? new Generator(EpochSeed(epoch, 0)).Permutation(Dataset.Count) : Enumerable.Range(0, Dataset.Count).ToArray();
        var augmentGen = new Generator(EpochSeed(epoch, 1));
        for (int b = 0; b < Count; b++)
        {
            int start = b * BatchSize, n = Math.Min(BatchSize, Dataset.Count - start);
            var indices = order.AsSpan(start, n).ToArray();
            var images = Dataset.Gather(indices);
            var labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = Dataset.Labels[indices[i]];
            if (Augmentation is not null) images = Augmentation.Apply(images, augmentGen);
            yield return new DataBatch(images, labels, indices);
        }
    }

    ulong EpochSeed(int epoch, int purpose) =>
        ((ulong)(uint)Seed << 32 | (uint)epoch) ^ ((ulong)(purpose + 1) * 0xD1B54A32D192ED03UL);

    /// <summary>Each enumeration is the next epoch: 0, 1, 2, ...</summary>
    public IEnumerator<DataBatch> GetEnumerator() => Epoch(nextEpoch++).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
