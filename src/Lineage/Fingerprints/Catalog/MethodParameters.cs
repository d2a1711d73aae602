using System.Globalization;

namespace Lineage.Fingerprints;

/// <summary>
/// A method's parameter values, every declared default filled in, each value already parsed and checked against
/// its declaration. Unknown names and bad values are rejected by <see cref="Resolve"/>, before any work starts.
/// The values, in canonical text form, are what a fingerprint file records.
/// </summary>
public sealed class MethodParameters
{
    readonly string method;
    readonly Dictionary<string, string> values;

    MethodParameters(string method, Dictionary<string, string> values) { this.method = method; this.values = values; }

    public IReadOnlyDictionary<string, string> Values => values;

    public static MethodParameters Resolve(MethodInfo info, IReadOnlyDictionary<string, string>? given)
    {
        var declared = info.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var values = info.Parameters.ToDictionary(p => p.Name, p => p.Canonical(info.Name, p.Default), StringComparer.Ordinal);
        foreach (var (name, text) in given ?? new Dictionary<string, string>())
        {
            if (!declared.TryGetValue(name, out var p))
                throw new ArgumentException($"fingerprint method '{info.Name}' has no parameter '{name}'; valid parameters: " +
                    (declared.Count == 0 ? "(none)" : string.Join(", ", declared.Keys)));
            values[name] = p.Canonical(info.Name, text);
        }
        return new MethodParameters(info.Name, values);
    }

    public string Text(string name) => values.TryGetValue(name, out var v) ? v
        : throw new KeyNotFoundException($"fingerprint method '{method}' declares no parameter '{name}'");

    public int Int(string name) => int.Parse(Text(name), CultureInfo.InvariantCulture);
    public double Double(string name) => double.Parse(Text(name), CultureInfo.InvariantCulture);
    public bool Bool(string name) => Text(name) == "true";

    public TEnum Enum<TEnum>(string name) where TEnum : struct, Enum
        => System.Enum.Parse<TEnum>(Text(name).Replace("-", ""), ignoreCase: true);

    /// <summary>A stable text of every value, for cache keys.</summary>
    public override string ToString() => string.Join(",", values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
}
