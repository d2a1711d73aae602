using System.Globalization;
using System.Text.Json;
using Lineage.Models.Architectures;
using Lineage.Models.Training;

namespace Lineage.Zoo;

/// <summary>
/// A resolved train step: architecture, width, which half of the training set (defender for sources,
/// attacker for independents unless <c>part</c> says otherwise), an optional class-balanced subset of it, and
/// the training options.
/// </summary>
public sealed record ZooTrainStep(string Architecture, float Width, DataPart Part, int? Subset, TrainingOptions Options)
{
    public static readonly string[] Keys =
        ["arch", "width", "part", "subset", "seed", "epochs", "batch_size", "lr", "momentum", "weight_decay", "nesterov",
         "optimizer", "schedule", "step_size", "gamma", "augmentation", "label_smoothing"];

    /// <summary>Resolves a train block merged over the defaults; <paramref name="where"/> names the entry in errors.</summary>
    public static ZooTrainStep Resolve(IReadOnlyDictionary<string, string> values, ZooRole role, string where)
    {
        foreach (var key in values.Keys)
            if (!Keys.Contains(key)) throw new ZooSpecException($"{where}: unknown train key '{key}'; valid keys: {string.Join(", ", Keys)}");
        string? Get(string key) => values.TryGetValue(key, out var v) ? v : null;
        int Int(string key, int fallback, int min)
        {
            if (Get(key) is not string text) return fallback;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min)
                throw new ZooSpecException($"{where}: train key {key}={text} is not an integer ≥ {min}");
            return v;
        }
        double Num(string key, double fallback)
        {
            if (Get(key) is not string text) return fallback;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
                throw new ZooSpecException($"{where}: train key {key}={text} is not a number");
            return v;
        }
        T Enum<T>(string key, T fallback) where T : struct, System.Enum
        {
            if (Get(key) is not string text) return fallback;
            if (!System.Enum.TryParse<T>(text, ignoreCase: true, out var v) || !System.Enum.IsDefined(v) || int.TryParse(text, out _))
                throw new ZooSpecException($"{where}: train key {key}={text} is not valid; choose one of: {string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");
            return v;
        }

        var arch = Get("arch") ?? throw new ZooSpecException($"{where}: a train step needs 'arch' (in the step or in defaults.train); choose one of: {string.Join(", ", ArchitectureCatalog.Names)}");
        if (!ArchitectureCatalog.Contains(arch) || arch == EnsembleClassifier.ArchitectureName)
            throw new ZooSpecException($"{where}: unknown architecture '{arch}'; choose one of: {string.Join(", ", ArchitectureCatalog.Names.Where(n => n != EnsembleClassifier.ArchitectureName))}");
        double width = Num("width", 1);
        if (!(width > 0) || width > 64) throw new ZooSpecException($"{where}: width {width} must lie in (0, 64]");
        var part = Enum("part", role == ZooRole.Independent ? DataPart.Attacker : DataPart.Defender);
        int? subset = Get("subset") is null ? null : Int("subset", 0, 10);
        var options = new TrainingOptions
        {
            Seed = Int("seed", 0, int.MinValue),
            Epochs = Int("epochs", 10, 0),
            BatchSize = Int("batch_size", 128, 1),
            LearningRate = Num("lr", 0.05),
            Momentum = Num("momentum", 0.9),
            WeightDecay = Num("weight_decay", 5e-4),
            Nesterov = Get("nesterov") is string n && (n == "true" ? true : n == "false" ? false : throw new ZooSpecException($"{where}: train key nesterov={n} is not true or false")),
            Optimizer = Enum("optimizer", OptimizerKind.Sgd),
            Schedule = Enum("schedule", ScheduleKind.Cosine),
            StepSize = Int("step_size", 5, 1),
            Gamma = Num("gamma", 0.1),
            Augmentation = Enum("augmentation", AugmentationKind.None),
            LabelSmoothing = (float)Num("label_smoothing", 0),
        };
        try { options.Validate(); }
        catch (ArgumentException e) { throw new ZooSpecException($"{where}: {e.Message}"); }
        return new ZooTrainStep(arch, (float)width, part, subset, options);
    }

    /// <summary>Everything that decides the trained weights, for the recipe hash.</summary>
    public SortedDictionary<string, string> Recipe()
    {
        var r = new SortedDictionary<string, string>(Options.Describe(), StringComparer.Ordinal)
        {
            ["arch"] = Architecture,
            ["width"] = Width.ToString("R", CultureInfo.InvariantCulture),
            ["part"] = Part.ToString().ToLowerInvariant(),
            ["subset"] = Subset?.ToString(CultureInfo.InvariantCulture) ?? "",
            ["seed"] = Options.Seed.ToString(CultureInfo.InvariantCulture),
            ["nesterov"] = Options.Nesterov ? "true" : "false",
            ["step_size"] = Options.StepSize.ToString(CultureInfo.InvariantCulture),
            ["gamma"] = Options.Gamma.ToString("R", CultureInfo.InvariantCulture),
        };
        return r;
    }

    /// <summary>JSON scalars as the strings the rest of Lineage uses for parameters.</summary>
    public static string Text(JsonElement e, string where, string key) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw new ZooSpecException($"{where}: value of '{key}' must be a string, number or boolean, not {e.ValueKind.ToString().ToLowerInvariant()}"),
    };
}
