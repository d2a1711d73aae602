using Lineage.Engine;

namespace Lineage.Data;

/// <summary>
/// An image-classification dataset in memory: images as one contiguous float[] (N x C x H x W,
/// pixels in [0, 1]), one label per image, the class names, the declared preprocessing and the
/// origin. Immutable by convention: every operation returns a new dataset.
/// </summary>
public sealed class Dataset
{
    public float[] Images { get; }
    public int[] Labels { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public Preprocessing Preprocessing { get; }
    public DataOrigin Origin { get; }

    public int Count => Labels.Length;
    public int Channels => Preprocessing.Channels;
    public int Height => Preprocessing.Height;
    public int Width => Preprocessing.Width;
    public int ImageSize => Channels * Height * Width;
    public int NumClasses => ClassNames.Count;
    /// <summary>(C, H, W).</summary>
    public int[] ImageShape => [Channels, Height, Width];

    public Dataset(float[] images, int[] labels, IReadOnlyList<string> classNames, Preprocessing preprocessing, DataOrigin origin)
    {
        long expected = (long)labels.Length * preprocessing.Channels * preprocessing.Height * preprocessing.Width;
        if (images.Length != expected)
            throw new ArgumentException($"{origin}: {labels.Length} labels need {expected} image values of shape {Tensor.FormatShape(preprocessing.Shape)}, got {images.Length}");
        if (classNames.Count == 0) throw new ArgumentException($"{origin}: a dataset needs at least one class");
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new ArgumentException($"{origin}: label {labels[i]} at index {i} is outside 0..{classNames.Count - 1}");
        Images = images; Labels = labels; ClassNames = classNames; Preprocessing = preprocessing; Origin = origin;
    }

    /// <summary>The image pixels of sample <paramref name="index"/> (C x H x W values).</summary>
    public ReadOnlySpan<float> Image(int index) => Images.AsSpan(index * ImageSize, ImageSize);

    /// <summary>All images as one [N, C, H, W] tensor sharing this dataset's array (no copy).</summary>
    public Tensor AsTensor() => Tensor.FromArray(Images, Count, Channels, Height, Width);

    /// <summary>Copies the images at <paramref name="indices"/> into a new [n, C, H, W] tensor from the
    /// engine's buffer pool (released with the enclosing TensorScope).</summary>
    public Tensor Gather(ReadOnlySpan<int> indices)
    {
        var batch = Tensor.Empty(indices.Length, Channels, Height, Width);
        var dst = batch.Span;
        int size = ImageSize;
        for (int i = 0; i < indices.Length; i++)
        {
            if ((uint)indices[i] >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {indices[i]} outside 0..{Count - 1}");
            Images.AsSpan(indices[i] * size, size).CopyTo(dst.Slice(i * size, size));
        }
        return batch;
    }

    /// <summary>Number of samples of each class.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[NumClasses];
        foreach (var y in Labels) counts[y]++;
        return counts;
    }

    /// <summary>The samples at <paramref name="indices"/>, in that order, as a new dataset.</summary>
    public Dataset Subset(IReadOnlyList<int> indices, DataOrigin? origin = null)
    {
        int size = ImageSize;
        var images = new float[(long)indices.Count * size];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            int j = indices[i];
            if ((uint)j >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {j} outside 0..{Count - 1}");
            Array.Copy(Images, (long)j * size, images, (long)i * size, size);
            labels[i] = Labels[j];
        }
        return new Dataset(images, labels, ClassNames, Preprocessing, origin ?? Origin);
    }

    /// <summary>
    /// Maps every old class to a new one (<c>map[old] = new</c>, or -1 to drop its samples) under new
    /// class names. Used for transfer learning, e.g. Fashion-MNIST's ten classes onto four super-classes.
    /// </summary>
    public Dataset Relabel(IReadOnlyList<int> map, IReadOnlyList<string> newClassNames, string? originTag = null)
    {
        if (map.Count != NumClasses) throw new ArgumentException($"relabel map has {map.Count} entries for {NumClasses} classes");
        foreach (var m in map)
            if (m < -1 || m >= newClassNames.Count) throw new ArgumentException($"relabel map target {m} is outside -1..{newClassNames.Count - 1}");
        var keep = new List<int>(Count);
        for (int i = 0; i < Count; i++) if (map[Labels[i]] >= 0) keep.Add(i);
        var origin = originTag is null ? Origin : Origin with { Dataset = $"{Origin.Dataset}:{originTag}" };
        var subset = Subset(keep, origin);
        for (int i = 0; i < subset.Labels.Length; i++) subset.Labels[i] = map[subset.Labels[i]];
        return new Dataset(subset.Images, subset.Labels, newClassNames.ToArray(), Preprocessing, origin);
    }

    /// <summary>Keeps only the listed classes, renumbered 0..k-1 in the order given
    /// (e.g. the first ten classes of CIFAR-100 for SAC's transfer attack).</summary>
    public Dataset SelectClasses(IReadOnlyList<int> classes)
    {
        var map = Enumerable.Repeat(-1, NumClasses).ToArray();
        for (int k = 0; k < classes.Count; k++)
        {
            if ((uint)classes[k] >= (uint)NumClasses) throw new ArgumentException($"class {classes[k]} is outside 0..{NumClasses - 1}");
            if (map[classes[k]] >= 0) throw new ArgumentException($"class {classes[k]} is listed twice");
            map[classes[k]] = k;
        }
        string tag = "classes=" + string.Join(",", classes);
        return Relabel(map, classes.Select(c => ClassNames[c]).ToArray(), tag);
    }

    /// <summary>The same samples with another preprocessing declaration (same image shape).</summary>
    public Dataset WithPreprocessing(Preprocessing preprocessing)
    {
        if (!preprocessing.Shape.AsSpan().SequenceEqual(Preprocessing.Shape))
            throw new ArgumentException($"preprocessing shape {Tensor.FormatShape(preprocessing.Shape)} differs from the images' {Tensor.FormatShape(Preprocessing.Shape)}");
        return new Dataset(Images, Labels, ClassNames, preprocessing, Origin);
    }

    /// <summary>Per-channel mean and standard deviation of the pixels (for declaring new datasets).</summary>
    public (float[] Mean, float[] Std) ChannelStatistics()
    {
        int plane = Height * Width;
        var sum = new double[Channels];
        var sumSq = new double[Channels];
        for (int i = 0; i < Count; i++)
            for (int c = 0; c < Channels; c++)
            {
                var p = Images.AsSpan((i * Channels + c) * plane, plane);
                double s = 0, s2 = 0;
                foreach (var v in p) { s += v; s2 += (double)v * v; }
                sum[c] += s; sumSq[c] += s2;
            }
        double n = (double)Count * plane;
        var mean = new float[Channels];
        var std = new float[Channels];
        for (int c = 0; c < Channels; c++)
        {
            double m = sum[c] / n;
            mean[c] = (float)m;
            std[c] = (float)Math.Sqrt(Math.Max(0, sumSq[c] / n - m * m));
        }
        return (mean, std);
    }

    public override string ToString() => $"{Origin} ({Count} images of {Tensor.FormatShape(ImageShape)}, {NumClasses} classes)";
}
