using Lineage.Fingerprints.Sac;

namespace Lineage.Fingerprints;

/// <summary>The verify side of every method, by the name recorded in fingerprint files.</summary>
public static class FingerprintMethods
{
    static readonly Dictionary<string, IFingerprintMethod> ByName = new IFingerprintMethod[]
    {
        new SacMethod("sac-m"),
        new SacMethod("sac-w"),
        new IpGuard.IpGuardMethod(),
    }.ToDictionary(m => m.Name);

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    public static IFingerprintMethod Get(string name)
        => ByName.TryGetValue(name, out var m) ? m
           : throw new InvalidDataException($"unknown fingerprint method '{name}'; this version knows: {string.Join(", ", ByName.Keys)}");
}
