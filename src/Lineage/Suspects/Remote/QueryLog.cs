using System.Security.Cryptography;
using System.Text.Json;

namespace Lineage.Suspects.Remote;

/// <summary>
/// Appends one JSON line per HTTP request so a verification can be audited later: who was asked what,
/// when, and what came back. Bodies are stored as SHA-256 hashes only — enough to prove which queries and
/// answers were exchanged (by re-hashing kept copies) without writing images or keys to disk.
/// </summary>
public sealed class QueryLog(string path)
{
    readonly Lock gate = new();

    public string Path => path;

    public void Write(DateTimeOffset time, string method, string url, int batchSize, byte[]? requestBody, byte[]? responseBody, int? status, TimeSpan latency, int attempt, string? error)
    {
        var line = JsonSerializer.Serialize(new
        {
            time = time.UtcDateTime.ToString("O"),
            method,
            url,
            batch_size = batchSize,
            attempt,
            request_sha256 = requestBody == null ? null : Hash(requestBody),
            request_bytes = requestBody?.Length ?? 0,
            response_sha256 = responseBody == null ? null : Hash(responseBody),
            response_bytes = responseBody?.Length ?? 0,
            status,
            latency_ms = Math.Round(latency.TotalMilliseconds, 3),
            error,
        });
        lock (gate) File.AppendAllText(path, line + "\n");
    }

    public static string Hash(byte[] body) => Convert.ToHexStringLower(SHA256.HashData(body));
}
