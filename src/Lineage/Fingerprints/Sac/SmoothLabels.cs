namespace Lineage.Fingerprints.Sac;

/// <summary>
/// SAC Eq. 5 for label-only suspects: p = (1 − ε)·onehot(label) + ε·uniform. The default
/// ε = 0.855 reproduces, for 10 classes, the authors' code (softmax of 0.01 everywhere and 1 at the
/// label: 0.2302 at the label, 0.0855 elsewhere). Any ε &lt; 1 ranks models the same way.
/// </summary>
public static class SmoothLabels
{
    public const double DefaultEpsilon = 0.855;

    public static float[] FromLabels(ReadOnlySpan<int> labels, int classes, double epsilon = DefaultEpsilon)
    {
        if (epsilon < 0 || epsilon > 1) throw new ArgumentOutOfRangeException(nameof(epsilon), $"ε must lie in [0, 1], got {epsilon}");
        var p = new float[labels.Length * classes];
        float off = (float)(epsilon / classes), on = (float)(1 - epsilon + epsilon / classes);
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes) throw new ArgumentOutOfRangeException(nameof(labels), $"label {labels[i]} of sample {i} is outside 0..{classes - 1}");
            p.AsSpan(i * classes, classes).Fill(off);
            p[i * classes + labels[i]] = on;
        }
        return p;
    }
}
