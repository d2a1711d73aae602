namespace Lineage.Fingerprints.Cae;

/// <summary>
/// Targeted transferability and conferrability of examples measured on models' hard labels (CAE Eq. 9–10), and
/// the soft score the ensemble optimises (Eq. 11–13 read at the target class).
/// </summary>
public static class Conferrability
{
    /// <summary>Transfer(M, x) = Pr_{M ∈ models}[M(x) = t] per example (CAE Eq. 9).</summary>
    /// <param name="labelsByModel">Each model's top-1 label on every example.</param>
    /// <param name="targets">The target label t of each example (the source's label in the fingerprint).</param>
    public static double[] Transfer(IReadOnlyList<int[]> labelsByModel, int[] targets)
    {
        if (labelsByModel.Count == 0) throw new ArgumentException("transferability needs at least one model", nameof(labelsByModel));
        var share = new double[targets.Length];
        foreach (var labels in labelsByModel)
        {
            if (labels.Length != targets.Length) throw new ArgumentException($"a model labelled {labels.Length} examples, expected {targets.Length}", nameof(labelsByModel));
            for (int i = 0; i < targets.Length; i++) if (labels[i] == targets[i]) share[i]++;
        }
        for (int i = 0; i < share.Length; i++) share[i] /= labelsByModel.Count;
        return share;
    }

    /// <summary>Confer(S, R, x) = Transfer(S, x)·(1 − Transfer(R, x)) per example (CAE Eq. 10).</summary>
    public static double[] Confer(IReadOnlyList<int[]> surrogateLabels, IReadOnlyList<int[]> referenceLabels, int[] targets)
    {
        var s = Transfer(surrogateLabels, targets);
        var r = Transfer(referenceLabels, targets);
        var c = new double[targets.Length];
        for (int i = 0; i < c.Length; i++) c[i] = s[i] * (1 - r[i]);
        return c;
    }

    /// <summary>The soft conferrability M_E(x)[t] = Surr(x)[t]·(1 − Ref(x)[t]) from mean probabilities
    /// ([n, classes] each, row-major; CAE Eq. 11–13).</summary>
    public static double[] Soft(float[] surrogateMean, float[] referenceMean, int classes, int[] targets)
    {
        if (surrogateMean.Length != targets.Length * classes || referenceMean.Length != surrogateMean.Length)
            throw new ArgumentException($"soft conferrability needs [{targets.Length}, {classes}] mean probabilities on both sides");
        var c = new double[targets.Length];
        for (int i = 0; i < c.Length; i++)
        {
            int k = i * classes + targets[i];
            c[i] = surrogateMean[k] * (1.0 - referenceMean[k]);
        }
        return c;
    }
}
