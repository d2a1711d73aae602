using System.Globalization;
using Lineage.Engine;
using Lineage.Engine.IO;
using Lineage.Engine.Optim;
using Lineage.Files;
using Lineage.Models.Architectures;

namespace Lineage.Models.Training;

/// <summary>
/// Model, optimiser and schedule state after a finished epoch, in one safetensors file. The file records a
/// SHA-256 of its whole content (<see cref="ContentHash"/>) and its state is sanity-checked on restore, so a
/// flipped bit, an edited <c>epochs_done</c> or a checkpoint of another model is refused, naming the file,
/// instead of being resumed into a model that carries a lineage record it does not deserve.
/// </summary>
internal static class TrainingCheckpoint
{
    const string Format = "lineage-checkpoint/2";
    const string HashKey = "content_sha256";

    static string OptionsKey(TrainingOptions o) => string.Join(";", o.Describe().Select(kv => kv.Key + "=" + kv.Value)) + $";seed={o.Seed}";

    public static void Save(string path, Classifier model, Optimizer opt, LrScheduler? schedule, TrainingOptions o, int epochsDone)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (k, v) in model.StateDict()) tensors["model." + k] = v;
        foreach (var (k, v) in opt.StateDict()) tensors["optimizer." + k] = v;
        var meta = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["architecture"] = model.Spec.ToString(),
            ["epochs_done"] = epochsDone.ToString(CultureInfo.InvariantCulture),
            ["options"] = OptionsKey(o),
            ["schedule_last_epoch"] = (schedule?.LastEpoch ?? 0).ToString(CultureInfo.InvariantCulture),
        };
        meta[HashKey] = ContentHash.Of(tensors, meta);
        SafeTensors.Save(path, tensors, meta);
    }

    /// <returns>The epochs already done, in [0, <see cref="TrainingOptions.Epochs"/>].</returns>
    public static int Restore(string path, Classifier model, Optimizer opt, LrScheduler? schedule, TrainingOptions o)
    {
        InvalidDataException Refuse(string why) => new($"checkpoint {path} {why}; delete it to train from the start");
        SafeTensorsContent c;
        try { c = SafeTensors.Load(path); }
        catch (InvalidDataException e) { throw Refuse($"is unreadable ({e.Message})"); }
        var meta = c.Metadata;
        if (!meta.TryGetValue("format", out var format) || format != Format)
            throw Refuse($"is not a {Format} checkpoint (format {(format == null ? "not recorded" : $"'{format}'")}; older checkpoints carry no integrity hash)");
        if (!meta.TryGetValue(HashKey, out var recorded)) throw Refuse("records no content hash");
        var actual = ContentHash.Of(c.Tensors, meta.Where(kv => kv.Key != HashKey).ToDictionary(kv => kv.Key, kv => kv.Value));
        if (!string.Equals(recorded, actual, StringComparison.Ordinal))
            throw Refuse($"is damaged or was edited: content hash {ContentHash.Short(actual)} does not match the recorded {ContentHash.Short(recorded)}");
        if (!SafeTensors.IsCanonical(c)) throw Refuse("was edited: its header is not byte for byte as Lineage writes it");

        if (!meta.TryGetValue("options", out var options) || options != OptionsKey(o))
            throw new InvalidDataException($"checkpoint {path} was written by a run with other options ({options ?? "none recorded"}); delete it or rerun with the same options");
        if (meta.GetValueOrDefault("architecture") != model.Spec.ToString())
            throw Refuse($"was written for {meta.GetValueOrDefault("architecture") ?? "an unrecorded architecture"}, not {model.Spec}");
        int epochsDone = Count(meta, "epochs_done", 0, o.Epochs, Refuse);
        // epoch-stepped schedules have stepped once per epoch done; one-cycle counts batches, bounded by the run's length
        int lastEpoch = Count(meta, "schedule_last_epoch", 0, int.MaxValue, Refuse);
        if (schedule is not null and not OneCycleLR && lastEpoch != epochsDone)
            throw Refuse($"records a schedule at epoch {lastEpoch} after {epochsDone} epochs done");
        // the hash proves the file is as written, not that what was written can be resumed: a forger can rehash NaN weights
        foreach (var (name, t) in c.Tensors)
            if (!IsFinite(t.Span))
                throw Refuse($"holds a non-finite value in '{name}'");
        try
        {
            model.LoadStateDict(c.Tensors.Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[6..], kv => kv.Value));
            opt.LoadStateDict(c.Tensors.Where(kv => kv.Key.StartsWith("optimizer.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[10..], kv => kv.Value));
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or KeyNotFoundException)
        {
            throw Refuse($"does not fit the model being trained (another architecture or width?): {e.Message}");
        }
        if (schedule != null) schedule.LastEpoch = lastEpoch;
        return epochsDone;
    }

    static bool IsFinite(ReadOnlySpan<float> values)
    {
        foreach (var v in values) if (!float.IsFinite(v)) return false;
        return true;
    }

    static int Count(IReadOnlyDictionary<string, string> meta, string key, int min, int max, Func<string, InvalidDataException> refuse) =>
        meta.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= min && v <= max ? v
            : throw refuse($"has {key} = {(text == null ? "nothing" : $"'{text}'")}, expected an integer in [{min}, {max}]");
}
