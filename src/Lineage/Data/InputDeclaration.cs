using System.Globalization;

namespace Lineage.Data;

/// <summary>
/// What input a source from another framework takes, as the owner declares it with <c>--input</c>:
/// <c>raw</c> ([0,1] pixels; the model normalises itself, as a PyTorch export with the normalisation inside its
/// graph does), <c>dataset</c> (the owner's data's mean/std: the default) or <c>mean=…,std=…</c> (one value for every
/// channel or one per channel, e.g. <c>mean=0.49,0.48,0.45,std=0.25,0.24,0.26</c>). The image shape always comes
/// from the data. <see cref="Resolve"/> turns the declaration into the <see cref="Preprocessing"/> the fingerprint
/// records and verification applies.
/// </summary>
public sealed record InputDeclaration
{
    public const string Setting = "--input";
    public const string RawName = "raw", DatasetName = "dataset";

    /// <summary>Null for raw and dataset.</summary>
    public float[]? Mean { get; private init; }
    public float[]? Std { get; private init; }
    public bool IsRaw { get; private init; }
    public bool IsDataset => !IsRaw && Mean is null;

    public static InputDeclaration Dataset { get; } = new();
    public static InputDeclaration Raw { get; } = new() { IsRaw = true };

    public static InputDeclaration Explicit(float[] mean, float[] std)
    {
        if (mean.Length == 0 || std.Length == 0) throw Bad($"mean=…,std=…", "needs at least one mean and one std value");
        if (std.Any(s => !(s > 0) || !float.IsFinite(s)))
            throw Bad(string.Join(",", std.Select(Text)), "every std must be a positive number");
        if (mean.Any(m => !float.IsFinite(m))) throw Bad(string.Join(",", mean.Select(Text)), "every mean must be a finite number");
        return new InputDeclaration { Mean = mean, Std = std };
    }

    /// <summary>Parses <c>raw</c>, <c>dataset</c> or <c>mean=…,std=…</c>; null or empty means <c>dataset</c>.</summary>
    public static InputDeclaration Parse(string? text)
    {
        var t = text?.Trim() ?? "";
        if (t.Length == 0 || t.Equals(DatasetName, StringComparison.OrdinalIgnoreCase)) return Dataset;
        if (t.Equals(RawName, StringComparison.OrdinalIgnoreCase)) return Raw;
        var values = new Dictionary<string, List<float>>(StringComparer.OrdinalIgnoreCase);
        List<float>? current = null;
        foreach (var token in t.Split(',', StringSplitOptions.TrimEntries))
        {
            var number = token;
            int eq = token.IndexOf('=');
            if (eq >= 0)
            {
                var key = token[..eq].Trim().ToLowerInvariant();
                if (key is not ("mean" or "std")) throw Bad(t, $"unknown key '{key}'");
                if (values.ContainsKey(key)) throw Bad(t, $"'{key}' is given twice");
                values[key] = current = [];
                number = token[(eq + 1)..].Trim();
            }
            if (current is null) throw Bad(t, "values must follow mean= or std=");
            if (!float.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
                throw Bad(t, $"'{number}' is not a number");
            current.Add(v);
        }
        if (!values.TryGetValue("mean", out var mean) || !values.TryGetValue("std", out var std)) throw Bad(t, "both mean= and std= are needed");
        return Explicit([.. mean], [.. std]);
    }

    /// <summary>The preprocessing a model with this declaration takes, for images shaped like the owner's data
    /// (<paramref name="data"/>: the data's own preprocessing, which <c>dataset</c> keeps).</summary>
    public Preprocessing Resolve(Preprocessing data)
    {
        if (IsDataset) return data;
        if (IsRaw) return Preprocessing.Identity(data.Channels, data.Height, data.Width);
        return new Preprocessing(PerChannel(Mean!, data.Channels, "mean"), PerChannel(Std!, data.Channels, "std"), [.. data.Shape]);
    }

    /// <summary>What a Lineage model file runs with: its own declared preprocessing, since its weights were trained on
    /// it. An explicit declaration (<paramref name="input"/> not null) that contradicts it is refused.</summary>
    public static Preprocessing ForModelFile(InputDeclaration? input, Preprocessing data, Preprocessing fileDeclares, string fileName)
    {
        if (input is not null && input.Resolve(data) is var declared && !declared.Equals(fileDeclares))
            throw new ArgumentException($"{Setting} {input} ({declared}) contradicts {fileName}, which declares {fileDeclares}; "
                + $"a Lineage model file runs with its own preprocessing: leave out {Setting}");
        return fileDeclares;
    }

    float[] PerChannel(float[] values, int channels, string key)
    {
        if (values.Length == channels) return [.. values];
        if (values.Length == 1) return Enumerable.Repeat(values[0], channels).ToArray();
        throw Bad(ToString(), $"{values.Length} {key} values do not fit images with {channels} channel(s); give one value or {channels}");
    }

    public override string ToString() => IsRaw ? RawName : IsDataset ? DatasetName
        : $"mean={string.Join(",", Mean!.Select(Text))},std={string.Join(",", Std!.Select(Text))}";

    static string Text(float v) => v.ToString("R", CultureInfo.InvariantCulture);

    static ArgumentException Bad(string text, string why)
        => new($"{Setting} '{text}': {why}; expected raw, dataset, or mean=M,std=S (one value, or one per channel: mean=M1,M2,M3,std=S1,S2,S3)");
}
