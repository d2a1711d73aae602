using System.CommandLine;
using Lineage.Suspects;
using Lineage.Suspects.Remote;

namespace Lineage.Cli.Commands;

/// <summary>The options `verify` takes for suspects behind an HTTP API (see docs/remote.md).</summary>
internal sealed class RemoteOptions
{
    public Option<string?> ApiKeyEnv { get; } = new("--api-key-env") { Description = "Environment variable holding the API key (the key is sent, never printed or logged)" };
    public Option<string> ApiKeyHeader { get; } = new("--api-key-header") { Description = "Header for the key; Authorization sends 'Bearer KEY'", DefaultValueFactory = _ => "Authorization" };
    public Option<string?> QueryLog { get; } = new("--query-log") { Description = "Append one JSON line per HTTP request (time, URL, batch size, body hashes, status, latency)" };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Images per request", DefaultValueFactory = _ => 64 };
    public Option<double> Timeout { get; } = new("--timeout") { Description = "Seconds allowed for each request, answer included", DefaultValueFactory = _ => 30 };
    public Option<int> Retries { get; } = new("--retries") { Description = "Retries on 5xx answers, timeouts and dropped connections (exponential backoff)", DefaultValueFactory = _ => 3 };
    public Option<double?> Rate { get; } = new("--rate") { Description = "Most requests per second" };
    public Option<bool> RawPixels { get; } = new("--raw-pixels") { Description = "The API takes [0,1] pixels: do not apply the fingerprint's preprocessing before sending" };
    public Option<string?> Protocol { get; } = new("--protocol") { Description = "open-inference (default) or json (with --body-template and --output-path)" };
    public Option<string?> BodyTemplate { get; } = new("--body-template") { Description = "JSON request body with \"$images\" where the images go (generic JSON)" };
    public Option<bool> FlatImages { get; } = new("--flat-images") { Description = "Generic JSON: send the images as one flat list instead of nested arrays" };
    public Option<string?> OutputPath { get; } = new("--output-path") { Description = "Generic JSON: dotted path to the answer, e.g. predictions or outputs.0.data" };
    public Option<string?> OutputName { get; } = new("--output-name") { Description = "Open Inference: output tensor to read (default: the first)" };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { ApiKeyEnv, ApiKeyHeader, QueryLog, BatchSize, Timeout, Retries, Rate, RawPixels, Protocol, BodyTemplate, FlatImages, OutputPath, OutputName })
            command.Options.Add(o);
    }

    public RemoteSuspectOptions Options(ParseResult r, OutputMode mode, int topK, long? budget, int classes)
    {
        var protocol = r.GetValue(Protocol)?.ToLowerInvariant() switch
        {
            null or "open-inference" or "v2" => RemoteProtocol.OpenInference,
            "json" => RemoteProtocol.GenericJson,
            var other => throw new ArgumentException($"unknown protocol {other}: use open-inference or json"),
        };
        return new RemoteSuspectOptions
        {
            Protocol = protocol,
            Output = SuspectFactory.RemoteOutputKindOf(mode),
            TopK = mode == OutputMode.TopK ? topK : null,
            // The fingerprint knows the label space; an API that agrees can still be checked against its metadata.
            Classes = classes,
            OutputName = r.GetValue(OutputName),
            RawPixels = r.GetValue(RawPixels),
            BatchSize = r.GetValue(BatchSize),
            Timeout = TimeSpan.FromSeconds(r.GetValue(Timeout)),
            Retries = r.GetValue(Retries),
            RequestsPerSecond = r.GetValue(Rate),
            Budget = budget,
            ApiKeyEnvironmentVariable = r.GetValue(ApiKeyEnv),
            ApiKeyHeader = r.GetValue(ApiKeyHeader)!,
            QueryLogPath = r.GetValue(QueryLog),
            BodyTemplate = r.GetValue(BodyTemplate),
            NestedImages = !r.GetValue(FlatImages),
            OutputPath = r.GetValue(OutputPath),
        };
    }
}
