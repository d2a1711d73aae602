using System.Globalization;
using Lineage.Engine;
using Lineage.Engine.IO;
using Lineage.Engine.Optim;
using Lineage.Files;

namespace Lineage.Generative;

/// <summary>Both networks and both optimisers after a number of iterations, in one safetensors file with a content
/// hash, so an interrupted GAN run resumes where it stopped and a damaged or foreign checkpoint is refused.</summary>
internal static class GanCheckpoint
{
    const string Format = "lineage-gan-checkpoint/1";
    const string HashKey = "content_sha256";

    public static void Save(string path, ConditionalGan gan, Optimizer g, Optimizer d, GanTrainingOptions o, string data, int done)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (k, v) in gan.StateDict()) tensors["gan." + k] = v;
        foreach (var (k, v) in g.StateDict()) tensors["opt_g." + k] = v;
        foreach (var (k, v) in d.StateDict()) tensors["opt_d." + k] = v;
        var meta = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["options"] = o.ResumeKey(),
            ["data"] = data,
            ["spec"] = gan.Spec.ToString(),
            ["iterations_done"] = done.ToString(CultureInfo.InvariantCulture),
        };
        meta[HashKey] = ContentHash.Of(tensors, meta);
        SafeTensors.Save(path, tensors, meta);
    }

    /// <returns>Iterations already done, in [1, <paramref name="o"/>.Iterations].</returns>
    public static int Restore(string path, ConditionalGan gan, Optimizer g, Optimizer d, GanTrainingOptions o, string data)
    {
        InvalidDataException Refuse(string why) => new($"GAN checkpoint {path} {why}; delete it to train from the start");
        SafeTensorsContent c;
        try { c = SafeTensors.Load(path); }
        catch (InvalidDataException e) { throw Refuse($"is unreadable ({e.Message})"); }
        var meta = c.Metadata;
        if (meta.GetValueOrDefault("format") != Format) throw Refuse($"is not a {Format} file");
        if (!meta.TryGetValue(HashKey, out var recorded)) throw Refuse("records no content hash");
        var actual = ContentHash.Of(c.Tensors, meta.Where(kv => kv.Key != HashKey).ToDictionary(kv => kv.Key, kv => kv.Value));
        if (recorded != actual) throw Refuse($"is damaged or was edited: content hash {ContentHash.Short(actual)} does not match the recorded {ContentHash.Short(recorded)}");
        if (meta.GetValueOrDefault("options") != o.ResumeKey())
            throw Refuse($"was written by a run with other options ({meta.GetValueOrDefault("options")}, now {o.ResumeKey()}); rerun with the same options");
        if (meta.GetValueOrDefault("data") != data)
            throw Refuse($"was trained on {meta.GetValueOrDefault("data")}, not {data}");
        if (!int.TryParse(meta.GetValueOrDefault("iterations_done"), NumberStyles.None, CultureInfo.InvariantCulture, out int done) || done < 1 || done > o.Iterations)
            throw Refuse($"records iterations_done = '{meta.GetValueOrDefault("iterations_done")}', expected an integer in [1, {o.Iterations}]");
        try
        {
            gan.LoadStateDict(Part(c, "gan."));
            g.LoadStateDict(Part(c, "opt_g."));
            d.LoadStateDict(Part(c, "opt_d."));
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or KeyNotFoundException)
        {
            throw Refuse($"does not fit the GAN being trained ({gan.Spec}): {e.Message}");
        }
        return done;
    }

    static Dictionary<string, Tensor> Part(SafeTensorsContent c, string prefix) =>
        c.Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
}
