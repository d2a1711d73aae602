namespace Lineage.Suspects;

/// <summary>
/// A suspect's answers to a batch of n queries. <see cref="Labels"/> is always present (top-1).
/// <see cref="Values"/> holds a dense row-major [n, classes] array for logits and probabilities;
/// for top-k it holds the revealed probabilities at their classes and zero elsewhere
/// (with <see cref="TopKClasses"/> listing which k classes each row revealed); for label-only it is null.
/// </summary>
public sealed class SuspectOutput
{
    public OutputMode Mode { get; }
    public int Count { get; }
    public int Classes { get; }
    public int[] Labels { get; }
    public float[]? Values { get; }
    public int K { get; }
    public int[]? TopKClasses { get; }

    SuspectOutput(OutputMode mode, int count, int classes, int[] labels, float[]? values, int k, int[]? topK)
    {
        Mode = mode; Count = count; Classes = classes; Labels = labels; Values = values; K = k; TopKClasses = topK;
    }

    public static SuspectOutput FromLogits(float[] logits, int count, int classes) => Dense(OutputMode.Logits, logits, count, classes);
    public static SuspectOutput FromProbabilities(float[] probabilities, int count, int classes) => Dense(OutputMode.Probabilities, probabilities, count, classes);

    static SuspectOutput Dense(OutputMode mode, float[] values, int count, int classes)
    {
        Check(count, classes);
        if (values.Length != count * classes) throw new ArgumentException($"{values.Length} output values for {count} queries × {classes} classes");
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) throw new InvalidDataException($"the suspect answered a non-finite value ({values[i]}) for query {i / classes}, class {i % classes}");
        var labels = new int[count];
        for (int r = 0; r < count; r++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++) if (values[r * classes + c] > values[r * classes + best]) best = c;
            labels[r] = best;
        }
        return new SuspectOutput(mode, count, classes, labels, values, classes, null);
    }

    public static SuspectOutput FromLabels(int[] labels, int classes)
    {
        Check(labels.Length, classes);
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classes) throw new InvalidDataException($"the suspect answered label {labels[i]} for query {i}, outside 0..{classes - 1}");
        return new SuspectOutput(OutputMode.Label, labels.Length, classes, labels, null, 1, null);
    }

    /// <summary>From per-row top-k classes (best first) and their probabilities.</summary>
    public static SuspectOutput FromTopK(int[] classesByRow, float[] probabilitiesByRow, int count, int classes, int k)
    {
        Check(count, classes);
        if (k < 1 || k > classes) throw new ArgumentException($"top-k with k={k} for {classes} classes");
        if (classesByRow.Length != count * k || probabilitiesByRow.Length != count * k) throw new ArgumentException($"top-k answer needs {count}×{k} classes and probabilities");
        var dense = new float[count * classes];
        var labels = new int[count];
        for (int r = 0; r < count; r++)
        {
            for (int j = 0; j < k; j++)
            {
                int c = classesByRow[r * k + j]; float p = probabilitiesByRow[r * k + j];
                if ((uint)c >= (uint)classes) throw new InvalidDataException($"the suspect answered class {c} for query {r}, outside 0..{classes - 1}");
                if (!float.IsFinite(p)) throw new InvalidDataException($"the suspect answered a non-finite probability for query {r}");
                dense[r * classes + c] = p;
            }
            labels[r] = classesByRow[r * k];
        }
        return new SuspectOutput(OutputMode.TopK, count, classes, labels, dense, k, classesByRow);
    }

    static void Check(int count, int classes)
    {
        if (count < 0) throw new ArgumentException("negative query count");
        if (classes < 2) throw new ArgumentException($"a classifier has at least 2 classes, got {classes}");
    }

    /// <summary>Joins answers to consecutive batches.</summary>
    public static SuspectOutput Concat(IReadOnlyList<SuspectOutput> parts)
    {
        if (parts.Count == 0) throw new ArgumentException("nothing to join");
        var first = parts[0];
        if (parts.Any(p => p.Mode != first.Mode || p.Classes != first.Classes || p.K != first.K))
            throw new ArgumentException("cannot join answers of different modes or class counts");
        var labels = parts.SelectMany(p => p.Labels).ToArray();
        var values = first.Values == null ? null : parts.SelectMany(p => p.Values!).ToArray();
        var topk = first.TopKClasses == null ? null : parts.SelectMany(p => p.TopKClasses!).ToArray();
        return new SuspectOutput(first.Mode, labels.Length, first.Classes, labels, values, first.K, topk);
    }

    /// <summary>The rows of a subset of queries, in the given order.</summary>
    public SuspectOutput Rows(int[] rows)
    {
        var labels = rows.Select(r => Labels[r]).ToArray();
        float[]? values = Values == null ? null : rows.SelectMany(r => Values.AsSpan(r * Classes, Classes).ToArray()).ToArray();
        int[]? topk = TopKClasses == null ? null : rows.SelectMany(r => TopKClasses.AsSpan(r * K, K).ToArray()).ToArray();
        return new SuspectOutput(Mode, rows.Length, Classes, labels, values, K, topk);
    }
}
