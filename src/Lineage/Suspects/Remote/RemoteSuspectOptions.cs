namespace Lineage.Suspects.Remote;

/// <summary>How a remote suspect's answers are read (see docs/remote.md).</summary>
public enum RemoteOutputKind
{
    /// <summary>One output of [n, classes] raw scores.</summary>
    Logits,
    /// <summary>One output of [n, classes] probabilities.</summary>
    Probabilities,
    /// <summary>Two outputs of [n, k]: class indices and their probabilities, best first.</summary>
    TopK,
    /// <summary>One output of n predicted class indices.</summary>
    Label,
}

/// <summary>Which wire format the suspect speaks.</summary>
public enum RemoteProtocol
{
    /// <summary>Open Inference Protocol v2 (KServe, Triton): POST {base}/v2/models/{name}/infer.</summary>
    OpenInference,
    /// <summary>Any JSON API: a body template with the images spliced in, and a path to the answer.</summary>
    GenericJson,
}

/// <summary>Everything a remote suspect needs besides its URL. Defaults are conservative: small batches,
/// a short timeout, few retries, and a response cap far above what a classifier answer needs.</summary>
public sealed record RemoteSuspectOptions
{
    public RemoteProtocol Protocol { get; init; } = RemoteProtocol.OpenInference;
    public RemoteOutputKind Output { get; init; } = RemoteOutputKind.Logits;
    /// <summary>The answer's form as <see cref="OutputFormatDetector"/> found it; when set it replaces <see cref="Output"/> (Open Inference only).</summary>
    public OutputFormat? Format { get; init; }
    /// <summary>Number of classes; when null it is read from the model metadata (Open Inference only).</summary>
    public int? Classes { get; init; }
    /// <summary>k for <see cref="RemoteOutputKind.TopK"/>; when null it is taken from the answer's shape.</summary>
    public int? TopK { get; init; }
    /// <summary>Output tensor to read (logits, probabilities, label); null takes the first one.</summary>
    public string? OutputName { get; init; }
    public string TopKClassesOutput { get; init; } = "classes";
    public string TopKProbabilitiesOutput { get; init; } = "probabilities";
    /// <summary>Send [0,1] pixels as they are instead of applying the fingerprint's preprocessing first.</summary>
    public bool RawPixels { get; init; }
    public int BatchSize { get; init; } = 64;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Extra attempts after a 5xx answer, a timeout or a dropped connection.</summary>
    public int Retries { get; init; } = 3;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>Most requests per second; null or 0 means unlimited.</summary>
    public double? RequestsPerSecond { get; init; }
    /// <summary>Hard limit on images sent; enforced before each request.</summary>
    public long? Budget { get; init; }
    /// <summary>Name of the environment variable holding the API key (the key itself never appears in options or logs).</summary>
    public string? ApiKeyEnvironmentVariable { get; init; }
    /// <summary>Header the key is sent in; "Authorization" sends "Bearer KEY".</summary>
    public string ApiKeyHeader { get; init; } = "Authorization";
    /// <summary>JSONL audit log of every request (hashes, not contents).</summary>
    public string? QueryLogPath { get; init; }
    public long MaxResponseBytes { get; init; } = 16 * 1024 * 1024;
    /// <summary>Generic JSON: the request body with the placeholder <c>"$images"</c> (quoted) where the images go.</summary>
    public string? BodyTemplate { get; init; }
    /// <summary>Generic JSON: images as nested [n][c][h][w] arrays (true) or one flat list (false).</summary>
    public bool NestedImages { get; init; } = true;
    /// <summary>Generic JSON: dotted path to the answer array, e.g. <c>predictions</c> or <c>outputs.0.data</c>.</summary>
    public string? OutputPath { get; init; }
}
