using System.Globalization;
using System.Text.Json;
using Lineage.Data;
using Lineage.Models.Training;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Zoo;

namespace Lineage.Kits;

/// <summary>One model a kit declares: its id, role, the zoo step that makes it (a train step for a reference, an
/// attack on the source for a surrogate), its architecture and its origin in words.</summary>
public sealed record KitModelSpec(string Id, KitRole Role, ZooStepSpec Step, string Architecture)
{
    /// <summary>"train seed=1001", "extract-l arch=lenet5 seed=1103", "prune rate=0.5 seed=1106".</summary>
    public string Origin => Step.Train is { } train
        ? $"train seed={train["seed"].GetRawText()}" + (train.TryGetValue("part", out var part) && part.GetString() != SplitSpec.Defender ? $" part={part.GetString()}" : "")
        : string.Join(" ", new[] { Step.Attack! }
            .Concat((Step.Params ?? []).Where(p => p.Key != "width").OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={ZooTrainStep.Text(p.Value, Id, p.Key)}"))
            .Append($"seed={Step.Seed}"));
}

/// <summary>
/// What a kit builds: the owner's data (a zoo dataset block and split seed), the training defaults and every model.
/// <see cref="For"/> makes the shipped sizes; <see cref="ToZooSpec"/> turns a kit into the zoo spec the zoo builder
/// runs: the source as a given model, references as independents trained on the defender half (or, with
/// <see cref="ReferencePart"/>, the attacker half the source never saw), surrogates as stolen
/// models whose thief data is the defender half too (the owner replays the thief's moves on its own data). Seeds start
/// at 1001 and ids with <c>kit-</c>, so no kit model is a model of a shipped zoo (whose seeds are below 100).
/// </summary>
public sealed record KitSpec
{
    public const string SourceId = "kit-source";
    public const int FirstReferenceSeed = 1001, FirstSurrogateSeed = 1101;
    /// <summary>The false-positive rate a standard kit's references can hold by the conformal rank rule.</summary>
    public const double StandardFpr = 0.05;

    public required KitSize Size { get; init; }
    public required ZooDataSpec Dataset { get; init; }
    public int SplitSeed { get; init; } = 1;
    public required ZooDefaults Defaults { get; init; }
    public required IReadOnlyList<KitModelSpec> Models { get; init; }
    /// <summary>The half the references train on (<see cref="KitBuildOptions.ReferencePart"/>).</summary>
    public DataPart ReferencePart { get; init; } = DataPart.Defender;

    /// <summary>The owner's data for a size: small kits take a class-balanced 20,000-image training subset (as
    /// zoos/fmnist-full.json) of datasets larger than that, tiny kits a few hundred images.</summary>
    public static ZooDataSpec DataFor(KitSize size, string dataset)
    {
        var name = DatasetCatalog.Canonical(dataset);
        bool synthetic = DatasetCatalog.IsSynthetic(name);
        return size switch
        {
            KitSize.Tiny when synthetic => new ZooDataSpec { Name = name, TrainCount = 400, TestCount = 100 },
            KitSize.Tiny => new ZooDataSpec { Name = name, TrainSubset = 400, TestSubset = 100 },
            _ when synthetic => new ZooDataSpec { Name = name, TrainCount = ShapesDataset.DefaultTrainCount, TestCount = ShapesDataset.DefaultTestCount },
            KitSize.Small => new ZooDataSpec { Name = name, TrainSubset = 20_000 },
            _ => new ZooDataSpec { Name = name },
        };
    }

    /// <summary>The kit of a size for <paramref name="source"/>. References: the source's architecture (at its width)
    /// with several seeds plus other catalog architectures; surrogates: label (extract-l) and probability (extract-p,
    /// and retraining for standard) extraction students of several architectures, plus fine-tuned (ftal) and pruned
    /// copies when the source is a Lineage model file. An imported (ONNX) source has no catalog architecture, so
    /// cnn-c stands for it.</summary>
    public static KitSpec For(KitSize size, ZooDataSpec data, ModelFile source, DataPart referencePart = DataPart.Defender)
    {
        if (referencePart == DataPart.All)
            throw new ArgumentException("a kit's references train on one half of the data: defender (the owner's, as the source) or attacker (the half the source never saw)");
        string part = referencePart == DataPart.Attacker ? SplitSpec.Attacker : SplitSpec.Defender;
        // references on the other half say so in their ids, so the two kinds never share a name
        string refPrefix = referencePart == DataPart.Attacker ? "kit-ref-attacker" : "kit-ref";
        bool imported = source.Model is ImportedClassifier;
        bool Fits(string a) => FitsInput(a, source.Spec);
        string arch = imported || source.Spec.Name == EnsembleClassifier.ArchitectureName
            ? Candidates.FirstOrDefault(Fits) ?? throw new ArgumentException($"no catalog architecture takes the source's {source.Spec.InChannels}×{source.Spec.ImageSize}×{source.Spec.ImageSize} images")
            : source.Spec.Name;
        float width = imported ? 1f : source.Spec.Width;
        float others = size == KitSize.Tiny ? 0.25f : 1f;
        if (size == KitSize.Tiny) width = Math.Min(width, 0.25f);
        var alternatives = Candidates.Where(a => a != arch && Fits(a)).ToArray();
        if (alternatives.Length < 2) throw new ArgumentException($"fewer than two catalog architectures besides {arch} take the source's images; a kit needs references of several architectures");

        var models = new List<KitModelSpec>();
        int refSeed = FirstReferenceSeed, surSeed = FirstSurrogateSeed;
        void Reference(string a, float w) => models.Add(new KitModelSpec($"{refPrefix}-{a}-s{refSeed}", KitRole.Reference, TrainStep(a, w, refSeed++, part), a));
        void Student(string attack, string a, float w) => models.Add(new KitModelSpec($"kit-{attack}-{a}-s{surSeed}", KitRole.Surrogate,
            AttackStep(attack, surSeed++, ("arch", a), ("width", w.ToString("R", CultureInfo.InvariantCulture))), a));
        void Copy(string attack, params (string, string)[] p)
        {
            var step = AttackStep(attack, surSeed, p);
            models.Add(new KitModelSpec($"kit-{attack}-s{surSeed++}", KitRole.Surrogate, step, arch));
        }

        switch (size)
        {
            case KitSize.Tiny:
                for (int i = 0; i < 2; i++) Reference(arch, width);
                Reference(alternatives[0], others);
                Student("extract-l", alternatives[0], others);
                Student("extract-p", arch, width);
                if (!imported) Copy("ftal");
                break;
            case KitSize.Small:
                for (int i = 0; i < 3; i++) Reference(arch, width);
                foreach (var a in alternatives.Take(2)) Reference(a, others);
                foreach (var attack in new[] { "extract-l", "extract-p" })
                {
                    Student(attack, arch, width);
                    Student(attack, alternatives[0], others);
                }
                if (!imported) { Copy("ftal"); Copy("prune", ("rate", "0.5")); }
                break;
            default:
                foreach (var a in alternatives) { Reference(a, others); Reference(a, others); }
                // enough references for the conformal rule to hold a 5 % FPR (19), the rest of the source's architecture
                do Reference(arch, width); while (refSeed - FirstReferenceSeed < Statistics.ConformalThreshold.MinimumNulls(StandardFpr));
                foreach (var attack in new[] { "extract-l", "extract-p", "retraining" })
                {
                    Student(attack, arch, width);
                    foreach (var a in alternatives.Take(2)) Student(attack, a, others);
                }
                if (!imported)
                {
                    Copy("ftal"); Copy("ftal");
                    Copy("prune", ("rate", "0.3")); Copy("prune", ("rate", "0.6"));
                }
                break;
        }
        return new KitSpec { Size = size, Dataset = data, Defaults = DefaultsFor(size), Models = models, ReferencePart = referencePart };
    }

    /// <summary>The architectures a kit draws on, small to large (the stand-in for an imported source first).</summary>
    static readonly string[] Candidates = ["cnn-c", "lenet5", "cnn-a", "cnn-e", "cnn-b", "mlp"];

    /// <summary>Whether an architecture can be built for the source's input (LeNet-5, say, needs at least 16 pixels).</summary>
    static bool FitsInput(string arch, ArchitectureSpec source)
    {
        try
        {
            ArchitectureCatalog.Create(new ArchitectureSpec { Name = arch, InChannels = source.InChannels, ImageSize = source.ImageSize, Classes = source.Classes, Width = 0.125f }, new Lineage.Engine.Generator(0));
            return true;
        }
        catch (ArgumentException) { return false; }
    }

    /// <summary>Training budgets: references train as the zoo's models do (10 epochs; 5 for a small kit, to fit its
    /// 10-minute budget), attacks for 5 epochs as zoos/fmnist-full.json.</summary>
    static ZooDefaults DefaultsFor(KitSize size)
    {
        var (epochs, attackEpochs, batch) = size switch { KitSize.Tiny => (1, 1, 50), KitSize.Small => (5, 5, 128), _ => (10, 5, 128) };
        return new ZooDefaults
        {
            Train = new() { ["epochs"] = Json(epochs), ["batch_size"] = Json(batch), ["lr"] = Json(0.05) },
            AttackParams = new() { ["epochs"] = Json(attackEpochs), ["batch_size"] = Json(batch) },
        };
    }

    static ZooStepSpec TrainStep(string arch, float width, int seed, string part) => new()
    {
        Train = new() { ["arch"] = Json(arch), ["width"] = Json(width), ["part"] = Json(part), ["seed"] = Json(seed) },
    };

    static ZooStepSpec AttackStep(string attack, int seed, params (string Key, string Value)[] parameters) => new()
    {
        Attack = attack,
        Seed = seed,
        Params = parameters.Length == 0 ? null : parameters.ToDictionary(p => p.Key, p => Json(p.Value)),
    };

    static JsonElement Json(object value) => JsonSerializer.SerializeToElement(value);

    /// <summary>The zoo spec that builds this kit around the given source.</summary>
    public ZooSpec ToZooSpec(ZooGivenSpec source)
    {
        var entries = new List<ZooModelSpec> { new() { Id = SourceId, Role = "source", Chain = [new ZooStepSpec { Given = source }] } };
        foreach (var m in Models)
            entries.Add(m.Role == KitRole.Reference
                ? new ZooModelSpec { Id = m.Id, Role = "independent", Chain = [m.Step] }
                : new ZooModelSpec { Id = m.Id, Role = "stolen", Parent = SourceId, Chain = [m.Step] });
        return new ZooSpec { Dataset = Dataset, SplitSeed = SplitSeed, ThiefPart = "defender", Defaults = Defaults, Models = entries };
    }
}
