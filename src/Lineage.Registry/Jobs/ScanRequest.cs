using System.Text.Json;
using System.Text.Json.Serialization;
using Lineage.Fingerprints;
using Lineage.Statistics;
using Lineage.Suspects;
using Lineage.Suspects.Remote;

namespace Lineage.Registry.Jobs;

/// <summary>
/// What a scan is asked to do: which registered models (all when none are named), how to read the suspect, and for a
/// remote suspect the protocol options `lineage verify` takes. Sent as the JSON body of a URL scan, or as the
/// <c>options</c> field beside an uploaded file. Unknown fields are refused, so a misspelt option is never silently
/// ignored.
/// </summary>
public sealed record ScanRequest
{
    /// <summary>An Open Inference (or generic JSON) prediction API; only for a scan without an uploaded file.</summary>
    public string? Url { get; init; }
    /// <summary>Ids of the registered models to scan against; null or empty: all of the tenant's.</summary>
    public string[]? Models { get; init; }
    /// <summary>logits, probabilities, topk or label; unset: logits for files, detected with one probe query for Open Inference APIs.</summary>
    public string? Mode { get; init; }
    public int? TopK { get; init; }
    /// <summary>open-inference (default) or json.</summary>
    public string? Protocol { get; init; }
    public double? TimeoutSeconds { get; init; }
    public int? Retries { get; init; }
    public int? BatchSize { get; init; }
    /// <summary>Most requests per second to the suspect.</summary>
    public double? Rate { get; init; }
    public bool? RawPixels { get; init; }
    public string? BodyTemplate { get; init; }
    public bool? FlatImages { get; init; }
    public string? OutputPath { get; init; }
    public string? OutputName { get; init; }
    /// <summary>bonferroni (default), hmp or fisher.</summary>
    public string? Combine { get; init; }
    /// <summary>The false-positive rate each verdict controls (default: the fingerprints' target).</summary>
    public double? Fpr { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Checks every field, naming the first one that is wrong.</summary>
    public ScanRequest Validated(bool hasFile, double maxTimeoutSeconds)
    {
        if (hasFile && Url is not null) throw new ArgumentException("url: give either an uploaded suspect file or a url, not both");
        if (!hasFile && string.IsNullOrWhiteSpace(Url)) throw new ArgumentException("url: a scan needs a suspect: upload a file (multipart field 'suspect') or give a url");
        _ = OutputMode();
        if (TopK is < 1) throw new ArgumentException($"top_k must be at least 1, not {TopK}");
        if (TimeoutSeconds is double t && !(t > 0 && t <= maxTimeoutSeconds)) throw new ArgumentException($"timeout_seconds must lie in (0, {maxTimeoutSeconds}], not {t}");
        if (Retries is < 0 or > 10) throw new ArgumentException($"retries must lie in 0..10, not {Retries}");
        if (BatchSize is < 1 or > 4096) throw new ArgumentException($"batch_size must lie in 1..4096, not {BatchSize}");
        if (Rate is double r && !(r > 0)) throw new ArgumentException($"rate must be positive, not {r}");
        if (Fpr is double f && !(f > 0 && f < 1)) throw new ArgumentException($"fpr must lie in (0, 1), not {f}");
        try { _ = Combiner(); } catch (ArgumentException e) { throw new ArgumentException("combine: " + e.Message, e); }
        _ = RemoteProtocolValue();
        if (Models is { } ids && ids.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("models: an empty model id");
        return this;
    }

    public OutputMode? OutputMode() => Mode?.ToLowerInvariant() switch
    {
        null => null,
        "logits" => Suspects.OutputMode.Logits,
        "probabilities" => Suspects.OutputMode.Probabilities,
        "topk" or "top-k" => Suspects.OutputMode.TopK,
        "label" => Suspects.OutputMode.Label,
        _ => throw new ArgumentException($"mode: '{Mode}' is not one of logits, probabilities, topk, label"),
    };

    public PValueCombiner Combiner() => PValueCombination.Parse(Combine ?? "bonferroni");

    RemoteProtocol RemoteProtocolValue() => Protocol?.ToLowerInvariant() switch
    {
        null or "open-inference" or "v2" => RemoteProtocol.OpenInference,
        "json" => RemoteProtocol.GenericJson,
        _ => throw new ArgumentException($"protocol: '{Protocol}' is not one of open-inference, json"),
    };

    public CombineOptions CombineOptions() => new() { Combiner = Combiner(), Fpr = Fpr };

    /// <summary>The options of a remote suspect (the class count and budget are set per model by the verification).</summary>
    public RemoteSuspectOptions RemoteOptions(double defaultTimeoutSeconds)
    {
        var mode = OutputMode() ?? Suspects.OutputMode.Logits;
        var defaults = new RemoteSuspectOptions();
        return new RemoteSuspectOptions
        {
            Protocol = RemoteProtocolValue(),
            Output = SuspectFactory.RemoteOutputKindOf(mode),
            TopK = mode == Suspects.OutputMode.TopK ? TopK ?? 1 : null,
            OutputName = OutputName,
            RawPixels = RawPixels ?? false,
            BatchSize = BatchSize ?? defaults.BatchSize,
            Timeout = TimeSpan.FromSeconds(TimeoutSeconds ?? defaultTimeoutSeconds),
            Retries = Retries ?? 1,
            RetryDelay = TimeSpan.FromMilliseconds(200),
            RequestsPerSecond = Rate,
            BodyTemplate = BodyTemplate,
            NestedImages = !(FlatImages ?? false),
            OutputPath = OutputPath,
        };
    }

    /// <summary>Parses a request body, turning the serializer's complaints into one line that names the field.</summary>
    public static ScanRequest Parse(string json)
    {
        try { return JsonSerializer.Deserialize<ScanRequest>(json, Json) ?? throw new ArgumentException("malformed JSON: the body is null"); }
        catch (JsonException e) { throw new ArgumentException(JsonProblem(e), e); }
    }

    /// <summary>"unknown field 'x'" for a field the schema lacks, else "malformed JSON at PATH: ...".</summary>
    public static string JsonProblem(JsonException e)
    {
        var msg = e.Message;
        int i = msg.IndexOf("could not be mapped", StringComparison.Ordinal);
        if (i > 0)
        {
            int q1 = msg.IndexOf('\''), q2 = q1 >= 0 ? msg.IndexOf('\'', q1 + 1) : -1;
            var field = q1 >= 0 && q2 > q1 ? msg[(q1 + 1)..q2] : e.Path ?? "?";
            return $"unknown field '{field}'";
        }
        var where = e.Path is { Length: > 0 } p ? $" at {p}" : e.LineNumber is long line ? $" at line {line + 1}" : "";
        var first = msg.Split(". Path:", 2)[0].Split(" LineNumber:", 2)[0].TrimEnd('.');
        return $"malformed JSON{where}: {first}";
    }
}
