using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lineage.Suspects.Remote;

/// <summary>The forms an Open Inference API's answer comes in.</summary>
public enum OutputFormatKind
{
    /// <summary>One FP tensor [n, classes] of raw scores.</summary>
    Logits,
    /// <summary>One FP tensor [n, classes] whose rows are probability vectors.</summary>
    Probabilities,
    /// <summary>Two tensors [n, k]: probabilities and class indices (e.g. <c>scores_prob</c>, <c>scores_index</c>).</summary>
    TopKPair,
    /// <summary>One tensor [n, k, 2] or [n, 2, k] holding each of the k classes with its probability.</summary>
    TopKTensor,
    /// <summary>Triton's classification extension: BYTES strings "score:index" or "score:index:label", [n, k].</summary>
    TritonClassification,
    /// <summary>One integer tensor [n] (or [n, 1]) of predicted classes.</summary>
    Labels,
}

/// <summary>
/// How a remote suspect answers, as <see cref="OutputFormatDetector"/> found it (or as the owner declared it): the form,
/// the tensors it is in, what Lineage reads from it (<see cref="Mode"/>) and why. <see cref="Read"/> decodes an answer
/// of that form, checking every shape and value as the rest of the remote code does.
/// </summary>
public sealed record OutputFormat
{
    public required OutputFormatKind Kind { get; init; }
    /// <summary>The tensor read: the only one, or the values of a pair / the classification strings.</summary>
    public required string Output { get; init; }
    /// <summary>The class-index tensor of a <see cref="OutputFormatKind.TopKPair"/>.</summary>
    public string? IndexOutput { get; init; }
    public int K { get; init; } = 1;
    /// <summary>For <see cref="OutputFormatKind.TopKTensor"/>: whether the class index comes first in each (index, value) pair.</summary>
    public bool IndexFirst { get; init; }
    /// <summary>For <see cref="OutputFormatKind.TopKTensor"/>: the layout [n, 2, k] rather than [n, k, 2].</summary>
    public bool PairsAlongAxis1 { get; init; }
    /// <summary>Scores that are not probabilities (Triton classification of logits): only the labels are trusted.</summary>
    public bool LabelsOnly { get; init; }
    /// <summary>What was seen that decided the form, for the verdict.</summary>
    public required string Basis { get; init; }

    public OutputMode Mode => LabelsOnly ? OutputMode.Label : Kind switch
    {
        OutputFormatKind.Logits => OutputMode.Logits,
        OutputFormatKind.Probabilities => OutputMode.Probabilities,
        OutputFormatKind.Labels => OutputMode.Label,
        _ => OutputMode.TopK,
    };

    public string Describe() => Kind switch
    {
        OutputFormatKind.Logits => $"logits in {Output}",
        OutputFormatKind.Probabilities => $"probabilities in {Output}",
        OutputFormatKind.TopKPair => $"top-{K} as a pair of tensors {Output} (probabilities) and {IndexOutput} (classes)",
        OutputFormatKind.TopKTensor => $"top-{K} as one tensor {Output}",
        OutputFormatKind.TritonClassification => LabelsOnly ? $"Triton classification strings in {Output} (top-{K}, scores not probabilities: labels only)" : $"top-{K} as Triton classification strings in {Output}",
        _ => $"labels in {Output}",
    } + $" ({Basis})";

    /// <summary>Decodes one answer of this form to n queries.</summary>
    public SuspectOutput Read(byte[] response, int n, int classes, string source)
    {
        var outputs = RawTensor.Parse(response, source);
        RawTensor Find(string name) => outputs.FirstOrDefault(o => o.Name == name)
            ?? throw new InvalidDataException($"{source}: the answer has no output named \"{name}\" (it has {string.Join(", ", outputs.Select(o => o.Name))}); the API changed its output format");
        var t = Find(Output);
        switch (Kind)
        {
            case OutputFormatKind.Logits:
            case OutputFormatKind.Probabilities:
            {
                if (t.Shape is not [var rows, var cols] || rows != n || cols != classes)
                    throw new InvalidDataException($"{source}: output {t.Name} has shape [{string.Join(", ", t.Shape)}], expected [{n}, {classes}]");
                var values = t.Numbers(source).Select(v => (float)v).ToArray();
                return Kind == OutputFormatKind.Logits ? SuspectOutput.FromLogits(values, n, classes) : SuspectOutput.FromProbabilities(values, n, classes);
            }
            case OutputFormatKind.Labels:
                if (t.Values.Count != n) throw new InvalidDataException($"{source}: output {t.Name} has {t.Values.Count} values, expected {n} labels");
                return SuspectOutput.FromLabels(Integers(t.Numbers(source), t.Name, source), classes);
            case OutputFormatKind.TopKPair:
            {
                var index = Find(IndexOutput!);
                foreach (var x in new[] { t, index })
                    if (x.Shape is not [var rows, var cols] || rows != n || cols != K)
                        throw new InvalidDataException($"{source}: output {x.Name} has shape [{string.Join(", ", x.Shape)}], expected [{n}, {K}]");
                return TopK(Integers(index.Numbers(source), index.Name, source), t.Numbers(source), n, classes, source);
            }
            case OutputFormatKind.TopKTensor:
            {
                long[] expected = PairsAlongAxis1 ? [n, 2, K] : [n, K, 2];
                if (!t.Shape.SequenceEqual(expected)) throw new InvalidDataException($"{source}: output {t.Name} has shape [{string.Join(", ", t.Shape)}], expected [{string.Join(", ", expected)}]");
                var v = t.Numbers(source);
                var cls = new double[n * K]; var probs = new double[n * K];
                for (int r = 0; r < n; r++)
                    for (int j = 0; j < K; j++)
                    {
                        int a = PairsAlongAxis1 ? r * 2 * K + j : (r * K + j) * 2, b = PairsAlongAxis1 ? a + K : a + 1;
                        (cls[r * K + j], probs[r * K + j]) = IndexFirst ? (v[a], v[b]) : (v[b], v[a]);
                    }
                return TopK(Integers(cls, t.Name, source), probs, n, classes, source);
            }
            default:
            {
                if (t.Values.Count != n * K) throw new InvalidDataException($"{source}: output {t.Name} has {t.Values.Count} classification strings, expected {n} × {K}");
                var entries = t.Values.Select(v => Classification.Parse(v, t.Name, source)).ToArray();
                var cls = entries.Select(e => e.Index).ToArray();
                if (LabelsOnly) return SuspectOutput.FromLabels(Enumerable.Range(0, n).Select(r => cls[r * K]).ToArray(), classes);
                return TopK(cls, entries.Select(e => e.Score).ToArray(), n, classes, source);
            }
        }
    }

    SuspectOutput TopK(int[] cls, double[] probs, int n, int classes, string source)
    {
        if (K < 1 || K > classes) throw new InvalidDataException($"{source}: top-{K} answer for {classes} classes");
        if (LabelsOnly) return SuspectOutput.FromLabels(Enumerable.Range(0, n).Select(r => cls[r * K]).ToArray(), classes);
        return SuspectOutput.FromTopK(cls, probs.Select(p => (float)p).ToArray(), n, classes, K);
    }

    static int[] Integers(IReadOnlyList<double> data, string name, string source) => data.Select(v => v == Math.Floor(v) && v >= int.MinValue && v <= int.MaxValue ? (int)v
        : throw new InvalidDataException($"{source}: output {name} holds {v}, not a class index")).ToArray();
}

/// <summary>One "score:index[:label]" string of Triton's classification extension.</summary>
internal readonly record struct Classification(double Score, int Index)
{
    public static Classification Parse(JsonNode? node, string name, string source)
    {
        var text = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new InvalidDataException($"{source}: output {name} holds {node?.ToJsonString() ?? "null"}, not a classification string");
        if (!TryParse(text, out var c)) throw new InvalidDataException($"{source}: output {name} holds \"{text}\", not a \"score:index[:label]\" string");
        return c;
    }

    public static bool TryParse(string text, out Classification c)
    {
        c = default;
        var parts = text.Split(':', 3);
        if (parts.Length < 2) return false;
        if (!double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var score) || !double.IsFinite(score)) return false;
        if (!int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var index)) return false;
        c = new Classification(score, index);
        return true;
    }
}

/// <summary>An output tensor as the answer carries it, numbers or strings (the codec's <see cref="WireTensor"/> takes numbers only).</summary>
internal sealed record RawTensor(string Name, string Datatype, long[] Shape, IReadOnlyList<JsonNode?> Values)
{
    public bool IsStrings => Values.Count > 0 && Values.All(v => v is JsonValue j && j.GetValueKind() == JsonValueKind.String);
    public bool IsNumbers => Values.All(v => v is JsonValue j && j.GetValueKind() == JsonValueKind.Number);

    public double[] Numbers(string source) => Values.Select(v => v is JsonValue j && j.GetValueKind() == JsonValueKind.Number ? j.GetValue<double>()
        : throw new InvalidDataException($"{source}: output {Name} holds {v?.ToJsonString() ?? "null"}, not a number")).ToArray();

    public static List<RawTensor> Parse(byte[] json, string source)
    {
        JsonNode? root;
        root = HostileJson.Parse(json, source, "answer");
        if (root is not JsonObject obj || obj["outputs"] is not JsonArray list || list.Count == 0)
            throw new InvalidDataException($"{source}: expected a JSON object with a non-empty \"outputs\" list");
        var tensors = new List<RawTensor>();
        foreach (var item in list)
        {
            if (item is not JsonObject t || t["name"] is not JsonValue nameNode || !nameNode.TryGetValue<string>(out var name))
                throw new InvalidDataException($"{source}: an output lacks its name");
            var datatype = t["datatype"] is JsonValue d && d.TryGetValue<string>(out var dt) ? dt : "";
            if (t["shape"] is not JsonArray shapeNode) throw new InvalidDataException($"{source}: output {name} has no shape");
            var shape = shapeNode.Select(s => s is JsonValue sv && sv.TryGetValue<long>(out var l) && l >= 0 ? l
                : throw new InvalidDataException($"{source}: output {name} has an invalid shape entry {s?.ToJsonString()}")).ToArray();
            if (t["data"] is not JsonArray data) throw new InvalidDataException($"{source}: output {name} has no data list");
            var values = new List<JsonNode?>();
            Flatten(data, values);
            if (shape.Aggregate(1L, (a, b) => a * b) != values.Count)
                throw new InvalidDataException($"{source}: output {name} declares shape [{string.Join(", ", shape)}] but carries {values.Count} values");
            tensors.Add(new RawTensor(name, datatype, shape, values));
        }
        return tensors;
    }

    static void Flatten(JsonArray list, List<JsonNode?> into)
    {
        foreach (var item in list)
            if (item is JsonArray inner) Flatten(inner, into); else into.Add(item);
    }
}
