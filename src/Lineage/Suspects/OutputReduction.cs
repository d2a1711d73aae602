namespace Lineage.Suspects;

/// <summary>Turns a full answer into what a more guarded API would reveal (softmax, top-k, label).</summary>
public static class OutputReduction
{
    public static SuspectOutput Reveal(SuspectOutput full, OutputMode mode, int k = 1)
    {
        if (mode == full.Mode) return full;
        if (mode < full.Mode) throw new ArgumentException($"cannot reveal {mode} from an answer that only has {full.Mode}");
        if (mode == OutputMode.Label) return SuspectOutput.FromLabels(full.Labels, full.Classes);
        var probs = full.Mode == OutputMode.Logits ? Softmax(full.Values!, full.Count, full.Classes) : full.Values!;
        if (mode == OutputMode.Probabilities) return SuspectOutput.FromProbabilities(probs, full.Count, full.Classes);
        int n = full.Count, c = full.Classes;
        var cls = new int[n * k]; var p = new float[n * k];
        var order = new int[c];
        for (int r = 0; r < n; r++)
        {
            for (int j = 0; j < c; j++) order[j] = j;
            int row = r;
            Array.Sort(order, (a, b) => { int cmp = probs[row * c + b].CompareTo(probs[row * c + a]); return cmp != 0 ? cmp : a.CompareTo(b); });
            for (int j = 0; j < k; j++) { cls[r * k + j] = order[j]; p[r * k + j] = probs[r * c + order[j]]; }
        }
        return SuspectOutput.FromTopK(cls, p, n, c, k);
    }

    /// <summary>Row-wise softmax in double for stability.</summary>
    public static float[] Softmax(float[] logits, int n, int classes)
    {
        var p = new float[logits.Length];
        for (int r = 0; r < n; r++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < classes; c++) max = Math.Max(max, logits[r * classes + c]);
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.Exp(logits[r * classes + c] - max);
            for (int c = 0; c < classes; c++) p[r * classes + c] = (float)(Math.Exp(logits[r * classes + c] - max) / sum);
        }
        return p;
    }
}
