using Lineage.Data;
using Lineage.Engine;
using Lineage.Suspects.Remote;

namespace Lineage.Suspects;

/// <summary>A suspect ready to verify, with what it answers in and how that was established, and the queries spent finding out.</summary>
public sealed record OpenedSuspect(ISuspect Suspect, string ModeBasis, int ProbeQueries);

/// <summary>
/// Opens a suspect for verification. When the owner does not say what an Open Inference API answers (no --mode), one
/// probe batch finds out (<see cref="OutputFormatDetector"/>); the probe's images come out of the query budget. A
/// declared mode always wins. Model files reveal logits; a generic JSON API needs its mode declared.
/// </summary>
public static class SuspectOpener
{
    /// <param name="probe">Images to probe with (one of the fingerprint's own queries is enough).</param>
    public static OpenedSuspect Open(string location, Preprocessing preprocessing, OutputMode? mode, int topK, RemoteSuspectOptions? remote, Tensor probe,
        OnnxSuspectRuntime onnxRuntime = OnnxSuspectRuntime.OnnxRuntime)
    {
        bool isRemote = location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        if (mode is OutputMode declared || !isRemote || remote?.Protocol == RemoteProtocol.GenericJson)
        {
            var m = mode ?? OutputMode.Logits;
            string basis = mode is not null ? $"declared with --mode {Name(m, topK)}"
                : isRemote ? "generic JSON API: logits assumed (declare --mode otherwise)" : "model file: logits";
            return new OpenedSuspect(SuspectFactory.Open(location, preprocessing, m, topK, remote, onnxRuntime), basis, 0);
        }
        var options = remote ?? new RemoteSuspectOptions();
        int n = probe.Shape[0];
        if (options.Budget is long budget && n > budget)
            throw new ArgumentException($"the query budget of {budget} leaves nothing for the {n}-image probe that detects what {location} answers; raise --budget or declare --mode");
        var (format, spent) = OutputFormatDetector.Probe(location, preprocessing, options, probe, options.Classes);
        var rest = options with { Format = format, Budget = options.Budget - spent };
        var suspect = SuspectFactory.Open(location, preprocessing, format.Mode, format.K, rest);
        return new OpenedSuspect(suspect, $"detected from the metadata and a {spent}-image probe: {format.Describe()}", spent);
    }

    static string Name(OutputMode m, int k) => m == OutputMode.TopK ? $"top-{k}" : m.ToString().ToLowerInvariant();
}
