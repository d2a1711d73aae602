using System.Globalization;

namespace Lineage.Attacks;

/// <summary>One declared parameter of an attack: its name, its default as text ("" = none or "the source's"), and what it means.</summary>
public sealed record AttackParameter(string Name, string Default, string Description);

/// <summary>
/// An attack's parameter values as strings (the form zoo specs, the CLI and lineage records use), with
/// every declared default filled in. Unknown names are rejected when the values are resolved, and each
/// typed read validates its value, so an attack built from bad parameters fails before any training starts.
/// </summary>
public sealed class AttackParameters
{
    readonly string attack;
    readonly Dictionary<string, string> values;

    AttackParameters(string attack, Dictionary<string, string> values) { this.attack = attack; this.values = values; }

    public IReadOnlyDictionary<string, string> Values => values;

    public static AttackParameters Resolve(string attack, IReadOnlyList<AttackParameter> declared, IReadOnlyDictionary<string, string>? given)
    {
        var values = declared.ToDictionary(p => p.Name, p => p.Default, StringComparer.Ordinal);
        foreach (var (name, value) in given ?? new Dictionary<string, string>())
        {
            if (!values.ContainsKey(name))
                throw new ArgumentException($"attack '{attack}' has no parameter '{name}'; valid parameters: " +
                    (declared.Count == 0 ? "(none)" : string.Join(", ", declared.Select(p => p.Name))));
            values[name] = value.Trim();
        }
        return new AttackParameters(attack, values);
    }

    public string Text(string name) => values.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"attack '{attack}' declares no parameter '{name}'");

    public int Int(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = Text(name);
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw Bad(name, text, "an integer");
        if (v < min || v > max) throw Bad(name, text, $"an integer in [{min}, {max}]");
        return v;
    }

    /// <summary>A number; fractions such as "4/256" are accepted because the papers state ε that way.</summary>
    public double Double(string name, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        var text = Text(name);
        double v;
        int slash = text.IndexOf('/');
        if (slash > 0
            && double.TryParse(text[..slash], NumberStyles.Float, CultureInfo.InvariantCulture, out double num)
            && double.TryParse(text[(slash + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double den) && den != 0)
            v = num / den;
        else if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out v))
            throw Bad(name, text, "a number");
        if (!double.IsFinite(v) || v < min || v > max) throw Bad(name, text, $"a number in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]");
        return v;
    }

    public string Choice(string name, params string[] choices)
    {
        var text = Text(name).ToLowerInvariant();
        if (!choices.Contains(text)) throw new ArgumentException($"attack '{attack}': parameter {name}={Text(name)} is not valid; choose one of: {string.Join(", ", choices)}");
        return text;
    }

    /// <summary>Null when the parameter is empty (meaning "the default described in its declaration").</summary>
    public string? Optional(string name) => Text(name).Length == 0 ? null : Text(name);

    ArgumentException Bad(string name, string text, string expected)
        => new($"attack '{attack}': parameter {name}={text} is not {expected}");
}
