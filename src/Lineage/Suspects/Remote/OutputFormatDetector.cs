using Lineage.Data;
using Lineage.Engine;

namespace Lineage.Suspects.Remote;

/// <summary>
/// Finds out how an Open Inference API answers, so the owner need not know: it reads the model metadata, sends ONE probe
/// batch, and classifies the answer — logits, probabilities, top-k as a pair of value/index tensors or as one tensor,
/// Triton classification strings, or labels only. The probe costs its images in queries, and is counted.
/// </summary>
public static class OutputFormatDetector
{
    static readonly string[] ValueSuffixes = ["_prob", "_probs", "_probabilities", "_scores", "_values", "probabilities", "scores"];
    static readonly string[] IndexSuffixes = ["_index", "_indices", "_idx", "_classes", "classes", "indices"];

    /// <summary>Sends <paramref name="probe"/> (a few of the fingerprint's own query images) to the API and detects the format.</summary>
    /// <returns>The format, and the number of images the probe sent.</returns>
    public static (OutputFormat Format, int ProbeQueries) Probe(string url, Preprocessing preprocessing, RemoteSuspectOptions options, Tensor probe, int? classes)
    {
        if (options.Protocol != RemoteProtocol.OpenInference)
            throw new ArgumentException($"{url}: output detection reads Open Inference answers; for a generic JSON API give --mode");
        var name = url.TrimEnd('/');
        using var transport = new RemoteTransport(options);
        var metadata = ModelMetadata.Parse(transport.Send(HttpMethod.Get, name, null, 0), name);
        if (metadata.Inputs.Count == 0) throw new InvalidDataException($"{name}: the model metadata lists no inputs");
        int n = probe.Shape[0];
        var input = options.RawPixels ? probe : preprocessing.Apply(probe);
        var body = OpenInferenceCodec.InferRequest(metadata.Inputs[0].Name, [.. input.Shape], input.Span);
        var response = transport.Send(HttpMethod.Post, name + "/infer", body, n);
        return (Detect(metadata, response, n, classes ?? metadata.Classes, name + "/infer"), n);
    }

    /// <summary>Classifies one answer to <paramref name="n"/> queries. <paramref name="classes"/> (from the fingerprint or the
    /// metadata) tells a dense [n, classes] answer from a truncated one; the metadata's output list names what to expect.</summary>
    public static OutputFormat Detect(ModelMetadata? metadata, byte[] response, int n, int? classes, string source)
    {
        var outputs = RawTensor.Parse(response, source);
        string seen = string.Join(", ", outputs.Select(o => $"{o.Name} {o.Datatype}[{string.Join(", ", o.Shape)}]"));
        string declared = metadata is null ? "" : $"; metadata declares {string.Join(", ", metadata.Outputs.Select(o => $"{o.Name} {o.Datatype}"))}";

        // Triton's classification extension: strings "score:index[:label]".
        var strings = outputs.FirstOrDefault(o => o.IsStrings && o.Values.All(v => Classification.TryParse(v!.GetValue<string>(), out _)));
        if (strings is not null)
        {
            if (strings.Values.Count % n != 0) throw new InvalidDataException($"{source}: {strings.Values.Count} classification strings for {n} probe queries");
            int k = strings.Values.Count / n;
            var scores = strings.Values.Select(v => { Classification.TryParse(v!.GetValue<string>(), out var c); return c.Score; }).ToList();
            bool probabilities = scores.All(s => s is >= 0 and <= 1);
            return new OutputFormat
            {
                Kind = OutputFormatKind.TritonClassification, Output = strings.Name, K = k, LabelsOnly = !probabilities,
                Basis = $"BYTES output of \"score:index\" strings, {k} per query{(probabilities ? "" : ", scores outside [0, 1]")}{declared}",
            };
        }

        var numeric = outputs.Where(o => o.IsNumbers).ToList();
        // A pair of [n, k] tensors: values (…_prob) and class indices (…_index).
        foreach (var index in numeric.Where(o => IndexSuffixes.Any(s => o.Name.EndsWith(s, StringComparison.OrdinalIgnoreCase)) && IsIntegral(o)))
        {
            var values = numeric.FirstOrDefault(o => o != index && o.Shape.SequenceEqual(index.Shape) && o.Shape is [var rows, _] && rows == n
                && ValueSuffixes.Any(s => o.Name.EndsWith(s, StringComparison.OrdinalIgnoreCase)));
            if (values is null || index.Shape is not [_, var k]) continue;
            return new OutputFormat
            {
                Kind = OutputFormatKind.TopKPair, Output = values.Name, IndexOutput = index.Name, K = (int)k,
                Basis = $"outputs {values.Name} and {index.Name}, both [{n}, {k}], the latter integral{declared}",
            };
        }
        foreach (var t in numeric)
        {
            // One tensor of (index, value) pairs: [n, k, 2] or [n, 2, k].
            if (t.Shape is [var rows, var a, var b] && rows == n && (a == 2 || b == 2))
            {
                bool alongAxis1 = b != 2;
                int k = (int)(alongAxis1 ? b : a);
                var v = t.Numbers(source);
                IEnumerable<double> Component(int c) => Enumerable.Range(0, n * k).Select(i => alongAxis1 ? v[(i / k) * 2 * k + c * k + i % k] : v[i * 2 + c]);
                bool firstIntegral = Component(0).All(x => x == Math.Floor(x)), secondIntegral = Component(1).All(x => x == Math.Floor(x));
                if (firstIntegral == secondIntegral) continue;
                return new OutputFormat
                {
                    Kind = OutputFormatKind.TopKTensor, Output = t.Name, K = k, IndexFirst = firstIntegral, PairsAlongAxis1 = alongAxis1,
                    Basis = $"output {t.Name} [{string.Join(", ", t.Shape)}] of (class, probability) pairs{declared}",
                };
            }
        }
        foreach (var t in numeric)
        {
            long? labelRows = t.Shape switch { [var r0] => r0, [var r1, 1] => r1, _ => null };
            if (labelRows == n && IsIntegral(t))
                return new OutputFormat { Kind = OutputFormatKind.Labels, Output = t.Name, Basis = $"output {t.Name} [{string.Join(", ", t.Shape)}] of integers{declared}" };
            if (t.Shape is [var r, var c] && r == n && c >= 2 && (classes is null || c == classes))
            {
                var v = t.Numbers(source);
                bool probabilities = v.All(x => x is >= 0 and <= 1)
                    && Enumerable.Range(0, n).All(i => Math.Abs(v.Skip(i * (int)c).Take((int)c).Sum() - 1) < 1e-3);
                return new OutputFormat
                {
                    Kind = probabilities ? OutputFormatKind.Probabilities : OutputFormatKind.Logits, Output = t.Name,
                    Basis = probabilities ? $"output {t.Name} [{n}, {c}], rows in [0, 1] summing to 1{declared}" : $"output {t.Name} [{n}, {c}], rows not probability vectors{declared}",
                };
            }
        }
        throw new InvalidDataException($"{source}: cannot tell how the API answers: it returned {seen}{declared}; give --mode (and --output-name)");
    }

    static bool IsIntegral(RawTensor t) => t.IsNumbers && t.Values.All(v => { double x = v!.GetValue<double>(); return x == Math.Floor(x) && x >= 0; });
}
