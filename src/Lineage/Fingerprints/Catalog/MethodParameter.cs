using System.Globalization;

namespace Lineage.Fingerprints;

/// <summary>The type of a method parameter's value.</summary>
public enum ParameterType { Int, Double, Bool, Choice, File }

/// <summary>One declared parameter of a fingerprint method: name, type, default and bounds, and what it means.
/// Values are parsed and checked once against the declaration (<see cref="MethodParameters.Resolve"/>).</summary>
public sealed record MethodParameter
{
    public required string Name { get; init; }
    public required ParameterType Type { get; init; }
    public required string Default { get; init; }
    public required string Description { get; init; }
    public double Min { get; init; } = double.NegativeInfinity;
    public double Max { get; init; } = double.PositiveInfinity;
    /// <summary>Open bounds (for ε in (0, 1]: min is excluded).</summary>
    public bool MinExclusive { get; init; }
    public IReadOnlyList<string> Choices { get; init; } = [];

    public static MethodParameter Int(string name, int @default, string description, int min = int.MinValue, int max = int.MaxValue)
        => new()
        {
            Name = name, Type = ParameterType.Int, Default = @default.ToString(CultureInfo.InvariantCulture), Description = description,
            Min = min == int.MinValue ? double.NegativeInfinity : min, Max = max == int.MaxValue ? double.PositiveInfinity : max,
        };

    public static MethodParameter Double(string name, double @default, string description, double min = double.NegativeInfinity, double max = double.PositiveInfinity, bool minExclusive = false)
        => new() { Name = name, Type = ParameterType.Double, Default = @default.ToString("R", CultureInfo.InvariantCulture), Description = description, Min = min, Max = max, MinExclusive = minExclusive };

    public static MethodParameter Bool(string name, bool @default, string description)
        => new() { Name = name, Type = ParameterType.Bool, Default = @default ? "true" : "false", Description = description };

    public static MethodParameter Choice(string name, string @default, string description, params string[] choices)
        => new() { Name = name, Type = ParameterType.Choice, Default = @default, Description = description, Choices = choices };

    /// <summary>A file the method reads (NaturalFinger's GAN); empty means none was given. Only the text is checked here:
    /// the method opens the file, so that a fingerprint recording the path still loads where the file is absent.</summary>
    public static MethodParameter File(string name, string description)
        => new() { Name = name, Type = ParameterType.File, Default = "", Description = description };

    /// <summary>The value in canonical text form (numbers in invariant culture, fractions such as 8/255 evaluated),
    /// or an error saying what was expected.</summary>
    internal string Canonical(string method, string text)
    {
        text = text.Trim();
        switch (Type)
        {
            case ParameterType.Int:
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) || i < Min || i > Max)
                    throw Bad(method, text, $"an integer in {Range()}");
                return i.ToString(CultureInfo.InvariantCulture);
            case ParameterType.Double:
                if (!TryNumber(text, out double d) || !double.IsFinite(d) || d > Max || (MinExclusive ? d <= Min : d < Min))
                    throw Bad(method, text, $"a number in {Range()}");
                return d.ToString("R", CultureInfo.InvariantCulture);
            case ParameterType.Bool:
                return text.ToLowerInvariant() switch
                {
                    "true" or "1" or "yes" => "true",
                    "false" or "0" or "no" => "false",
                    _ => throw Bad(method, text, "true or false"),
                };
            case ParameterType.File:
                if (text.IndexOfAny(['\0', '\n', '\r']) >= 0) throw Bad(method, text.ReplaceLineEndings(" "), "a file path");
                return text;
            default:
                var lower = text.ToLowerInvariant();
                return Choices.Contains(lower) ? lower : throw Bad(method, text, "one of " + string.Join(", ", Choices));
        }
    }

    /// <summary>A number; fractions such as "8/255" are accepted because the papers state ε that way.</summary>
    static bool TryNumber(string text, out double value)
    {
        int slash = text.IndexOf('/');
        if (slash > 0
            && double.TryParse(text[..slash], NumberStyles.Float, CultureInfo.InvariantCulture, out double num)
            && double.TryParse(text[(slash + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double den) && den != 0)
        {
            value = num / den;
            return true;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    string Range()
    {
        string F(double v) => double.IsInfinity(v) ? (v > 0 ? "∞" : "−∞") : v.ToString(CultureInfo.InvariantCulture);
        return $"{(MinExclusive ? "(" : "[")}{F(Min)}, {F(Max)}]";
    }

    ArgumentException Bad(string method, string text, string expected)
        => new($"fingerprint method '{method}': parameter {Name}={text} is not {expected}");

    public string Help()
    {
        string kind = Type switch
        {
            ParameterType.Int => "int " + Range(),
            ParameterType.Double => "number " + Range(),
            ParameterType.Bool => "true|false",
            ParameterType.File => "file",
            _ => string.Join("|", Choices),
        };
        return $"{Name}={(Type == ParameterType.File && Default == "" ? "FILE" : Default)} ({kind}): {Description}";
    }
}
