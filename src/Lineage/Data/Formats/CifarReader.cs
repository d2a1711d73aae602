namespace Lineage.Data.Formats;

/// <summary>
/// The CIFAR "binary version": fixed-size records of label byte(s) followed by 3072 pixel bytes
/// (1024 red, 1024 green, 1024 blue; row-major 32 x 32), i.e. already CHW. CIFAR-10 has one label
/// byte; CIFAR-100 has a coarse then a fine label byte.
/// </summary>
public static class CifarReader
{
    public const int PixelBytes = 3 * 32 * 32;
    /// <summary>A CIFAR batch file holds 10,000 records (50,000 for CIFAR-100's train file); ten times that bounds
    /// what a (possibly gzipped) file may inflate to.</summary>
    public const int MaxRecordsPerFile = 500_000;

    /// <param name="labelBytes">1 for CIFAR-10, 2 for CIFAR-100.</param>
    /// <param name="labelIndex">Which label byte to use (CIFAR-100: 0 = coarse, 1 = fine).</param>
    /// <param name="labelLimits">Number of classes each label byte ranges over (CIFAR-100: 20, 100); every
    /// byte is checked so a corrupt record is caught whichever label is used.</param>
    public static Dataset Read(IReadOnlyList<string> paths, int labelBytes, int labelIndex, IReadOnlyList<string> classNames, Preprocessing preprocessing, DataOrigin origin, IReadOnlyList<int>? labelLimits = null)
    {
        labelLimits ??= Enumerable.Range(0, labelBytes).Select(b => b == labelIndex ? classNames.Count : 256).ToArray();
        if (labelLimits.Count != labelBytes || labelLimits[labelIndex] != classNames.Count)
            throw new ArgumentException("labelLimits needs one entry per label byte, and the used one must equal the number of class names");
        if (labelIndex < 0 || labelIndex >= labelBytes) throw new ArgumentOutOfRangeException(nameof(labelIndex));
        int record = labelBytes + PixelBytes;
        var files = new List<byte[]>(paths.Count);
        long total = 0;
        foreach (var path in paths)
        {
            var bytes = FileBytes.Read(path, MaxRecordsPerFile * record);
            if (bytes.Length == 0 || bytes.Length % record != 0)
                throw new DataFormatException(path, $"is {bytes.Length} bytes long; expected a positive multiple of the {record}-byte record ({labelBytes} label byte(s) + {PixelBytes} pixels) — truncated, or the wrong CIFAR version?");
            for (long r = 0, n = bytes.Length / record; r < n; r++)
                for (int b = 0; b < labelBytes; b++)
                {
                    int label = bytes[r * record + b];
                    if (label >= labelLimits[b])
                        throw new DataFormatException(path, $"record {r} has label {label} in label byte {b}; expected 0..{labelLimits[b] - 1}");
                }
            files.Add(bytes);
            total += bytes.Length / record;
        }
        var images = new float[total * PixelBytes];
        var labels = new int[total];
        long offset = 0;
        foreach (var bytes in files)
        {
            int n = bytes.Length / record;
            Parallel.For(0, n, r =>
            {
                labels[offset + r] = bytes[(long)r * record + labelIndex];
                FileBytes.ToUnitFloats(bytes.AsSpan(r * record + labelBytes, PixelBytes), images.AsSpan((int)((offset + r) * PixelBytes), PixelBytes));
            });
            offset += n;
        }
        return new Dataset(images, labels, classNames, preprocessing, origin);
    }
}
