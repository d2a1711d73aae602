using System.Globalization;
using System.Text.RegularExpressions;

namespace Lineage.Data;

/// <summary>
/// Names one split of a dataset by the data it came from, its role, its seed and (for sub-samples)
/// its size, so a model file can record exactly what data it saw and anyone can redraw it.
/// The string form is stable: <c>fashion-mnist/train/defender(seed=1)</c>, and splits of splits
/// nest: <c>fashion-mnist/train/defender(seed=1)/sample(seed=2,n=100)</c>.
/// </summary>
public sealed partial record SplitSpec(string Source, string Role, int Seed, int? Count = null)
{
    public const string Defender = "defender";
    public const string Attacker = "attacker";
    public const string Sample = "sample";
    public const string Train = "fit";
    public const string Validation = "validation";

    public override string ToString() =>
        Count is int n
            ? $"{Source}/{Role}(seed={Seed.ToString(CultureInfo.InvariantCulture)},n={n.ToString(CultureInfo.InvariantCulture)})"
            : $"{Source}/{Role}(seed={Seed.ToString(CultureInfo.InvariantCulture)})";

    [GeneratedRegex(@"^(?<source>.+)/(?<role>[A-Za-z][A-Za-z0-9_-]*)\(seed=(?<seed>-?\d+)(,n=(?<n>\d+))?\)$")]
    private static partial Regex Pattern();

    /// <summary>Parses the form written by <see cref="ToString"/>.</summary>
    public static SplitSpec Parse(string text)
    {
        var m = Pattern().Match(text);
        if (!m.Success) throw new FormatException($"'{text}' is not a split description like 'fashion-mnist/train/defender(seed=1)'");
        int? n = m.Groups["n"].Success ? int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture) : null;
        return new SplitSpec(m.Groups["source"].Value, m.Groups["role"].Value, int.Parse(m.Groups["seed"].Value, CultureInfo.InvariantCulture), n);
    }
}
