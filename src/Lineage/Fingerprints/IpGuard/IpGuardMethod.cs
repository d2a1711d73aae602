using Lineage.Suspects;

namespace Lineage.Fingerprints.IpGuard;

/// <summary>IPGuard's verify side: the share of boundary points on which the suspect gives the label the
/// source gave (matching rate). Works with any output mode, labels being enough.</summary>
public sealed class IpGuardMethod : IFingerprintMethod
{
    public string Name => "ipguard";

    public (double Score, string Representation) Score(Fingerprint fingerprint, SuspectOutput answers)
    {
        var expected = fingerprint.ExpectedLabels ?? throw new InvalidDataException("an IPGuard fingerprint must carry the source's labels");
        if (answers.Count != expected.Length) throw new ArgumentException($"the suspect answered {answers.Count} queries, the fingerprint has {expected.Length}");
        int match = 0;
        for (int i = 0; i < expected.Length; i++) if (answers.Labels[i] == expected[i]) match++;
        return ((double)match / expected.Length, "labels");
    }

    /// <summary>Labels are all IPGuard reads, and every output mode reveals them.</summary>
    public IReadOnlyList<OutputView> Views(Fingerprint fingerprint) => [new(OutputMode.Label)];
}
