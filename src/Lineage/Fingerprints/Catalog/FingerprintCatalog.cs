using Lineage.Fingerprints.Akh;
using Lineage.Fingerprints.Cae;
using Lineage.Fingerprints.IpGuard;
using Lineage.Fingerprints.Sac;
using Lineage.Fingerprints.Uap;

namespace Lineage.Fingerprints;

/// <summary>
/// Every fingerprinting method by name, as fingerprint files record it. The CLI's help and method lists, the
/// evaluation and fingerprint files all read this list: a new method is one file plus one line here.
/// </summary>
public static class FingerprintCatalog
{
    static readonly IFingerprintMethod[] Methods =
    [
        SacM.Method,
        SacW.Method,
        IpGuardSampler.Method,
        AkhSampler.Method,
        CaeMethod.Method,
        UapSampler.Method,
        Lineage.Fingerprints.MetaV.MetaVMethod.Method,
        Lineage.Fingerprints.MetaFinger.MetaFingerMethod.Method,
        Lineage.Fingerprints.NaturalFinger.NaturalFingerMethod.Method,
    ];

    public static IReadOnlyList<IFingerprintMethod> All => Methods;

    public static IReadOnlyList<string> Names { get; } = Methods.Select(m => m.Info.Name).ToArray();

    public static IFingerprintMethod Get(string name)
        => Methods.FirstOrDefault(m => m.Info.Name == name.Trim().ToLowerInvariant())
           ?? throw new ArgumentException($"unknown fingerprint method '{name}'; this version knows: {string.Join(", ", Names)}");

    /// <summary>Parses "method.key=value" pairs (the CLI's --param when several methods run) into per-method
    /// dictionaries; a pair without a method prefix applies to <paramref name="defaultMethod"/>, or fails when there is none.</summary>
    public static Dictionary<string, Dictionary<string, string>> ParseParameters(IEnumerable<string> pairs, string? defaultMethod = null)
    {
        var result = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"method parameter '{pair}' is not of the form key=value");
            string key = pair[..eq].Trim(), value = pair[(eq + 1)..].Trim();
            string method;
            int dot = key.IndexOf('.');
            if (dot > 0 && Names.Contains(key[..dot].ToLowerInvariant())) { method = key[..dot].ToLowerInvariant(); key = key[(dot + 1)..]; }
            else method = defaultMethod ?? throw new ArgumentException($"method parameter '{pair}' names no method; write METHOD.{key}={value} (methods: {string.Join(", ", Names)})");
            if (!result.TryGetValue(method, out var map)) result[method] = map = new(StringComparer.Ordinal);
            map[key] = value;
        }
        return result;
    }
}
