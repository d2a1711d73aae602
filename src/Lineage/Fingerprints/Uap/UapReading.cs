using Lineage.Suspects;

namespace Lineage.Fingerprints.Uap;

/// <summary>
/// How one answer becomes the C values a fingerprint holds for it (UAP Eq. 6 uses softmax f(x); §5 "Top-K confidence
/// values" reads suspects that reveal only k = 1..3 classes). The same reading is applied to the source, the kit and
/// the suspect, each reading has its own encoder, so a top-k suspect is compared with top-k fingerprints:
/// <list type="bullet">
/// <item><c>TopK = 0</c> ("probabilities"): the full softmax vector.</item>
/// <item><c>TopK = k</c> ("topk"): the k largest probabilities at their classes, renormalised to sum to 1, zero
/// elsewhere. For k = 1 this is the one-hot vector of the label ("label"), so label-only suspects read the same.</item>
/// </list>
/// </summary>
public readonly record struct UapReading(int TopK)
{
    public static UapReading Probabilities => new(0);

    public string Name => TopK switch { 0 => "probabilities", 1 => "label", _ => $"top{TopK}" };

    public static UapReading Parse(string name) => name switch
    {
        "probabilities" => Probabilities,
        "label" => new(1),
        _ when name.StartsWith("top", StringComparison.Ordinal) && int.TryParse(name.AsSpan(3), out int k) && k >= 1 => new(k),
        _ => throw new ArgumentException($"unknown UAP reading '{name}' (expected probabilities, label or topK)"),
    };

    /// <summary>The most informative of the <paramref name="available"/> readings an answer of this kind supports:
    /// full outputs read as probabilities (or the largest top-k), a top-k answer as the largest top-k' with
    /// k' ≤ k, a label as "label". Null when none fits.</summary>
    public static UapReading? For(OutputMode mode, int k, int classes, IReadOnlyList<UapReading> available)
    {
        int revealed = mode switch
        {
            OutputMode.Logits or OutputMode.Probabilities => classes,
            OutputMode.TopK => k,
            _ => 1,
        };
        UapReading? best = null;
        foreach (var r in available)
        {
            int needs = r.TopK == 0 ? classes : r.TopK;
            if (needs > revealed) continue;
            if (best == null || Rank(r, classes) > Rank(best.Value, classes)) best = r;
        }
        return best;
    }

    static int Rank(UapReading r, int classes) => r.TopK == 0 ? classes + 1 : r.TopK;

    /// <summary>Writes this reading of answer row <paramref name="row"/> into <paramref name="into"/> (C values).</summary>
    public void Read(SuspectOutput answers, int row, Span<float> into)
    {
        int c = answers.Classes;
        if (into.Length != c) throw new ArgumentException($"a reading of {c} classes needs {c} values, got {into.Length}");
        if (answers.Mode == OutputMode.Label || (answers.Mode == OutputMode.TopK && answers.K == 1) || TopK == 1)
        {
            if (TopK != 1 && answers.Mode == OutputMode.Label) throw new ArgumentException($"a label-only answer cannot be read as {Name}");
            into.Clear();
            into[answers.Labels[row]] = 1f;
            return;
        }
        var values = answers.Values!.AsSpan(row * c, c);
        if (answers.Mode == OutputMode.Logits) Softmax(values, into); else values.CopyTo(into);
        if (TopK == 0)
        {
            if (answers.Mode == OutputMode.TopK && answers.K < c) throw new ArgumentException($"a top-{answers.K} answer cannot be read as full probabilities");
            return;
        }
        if (answers.Mode == OutputMode.TopK && answers.K < TopK) throw new ArgumentException($"a top-{answers.K} answer cannot be read as {Name}");
        KeepTop(into, TopK);
    }

    /// <summary>Zeroes all but the k largest values (lower class first on ties) and rescales them to sum to 1.</summary>
    static void KeepTop(Span<float> p, int k)
    {
        int c = p.Length;
        Span<int> order = stackalloc int[c];
        for (int i = 0; i < c; i++) order[i] = i;
        var copy = p.ToArray();
        order.Sort((a, b) => { int cmp = copy[b].CompareTo(copy[a]); return cmp != 0 ? cmp : a.CompareTo(b); });
        p.Clear();
        double sum = 0;
        for (int j = 0; j < Math.Min(k, c); j++) sum += copy[order[j]];
        for (int j = 0; j < Math.Min(k, c); j++)
            p[order[j]] = sum > 0 ? (float)(copy[order[j]] / sum) : 1f / Math.Min(k, c);
    }

    static void Softmax(ReadOnlySpan<float> z, Span<float> into)
    {
        double max = double.NegativeInfinity;
        foreach (float v in z) max = Math.Max(max, v);
        double sum = 0;
        for (int i = 0; i < z.Length; i++) sum += Math.Exp(z[i] - max);
        for (int i = 0; i < z.Length; i++) into[i] = (float)(Math.Exp(z[i] - max) / sum);
    }
}
