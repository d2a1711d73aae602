using Lineage.Suspects.Remote;

namespace Lineage.Evidence;

/// <summary>Collects the audit lines (<see cref="QueryLog"/>) of the HTTP requests one verification makes, for its
/// evidence: into the owner's --query-log when given (only the lines this run appended), else into a temporary file.</summary>
public sealed class RequestLogCapture : IDisposable
{
    readonly string path;
    readonly long start;
    readonly bool temporary;

    public RemoteSuspectOptions Options { get; }

    public RequestLogCapture(RemoteSuspectOptions options)
    {
        temporary = options.QueryLogPath is null;
        path = options.QueryLogPath ?? Path.Combine(Path.GetTempPath(), $"lineage-requests-{Guid.NewGuid():N}.jsonl");
        start = File.Exists(path) ? new FileInfo(path).Length : 0;
        Options = options with { QueryLogPath = path };
    }

    /// <summary>The lines appended since this capture began (empty when no request was made).</summary>
    public byte[] Collect()
    {
        if (!File.Exists(path)) return [];
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        f.Seek(start, SeekOrigin.Begin);
        var bytes = new byte[f.Length - start];
        f.ReadExactly(bytes);
        return bytes;
    }

    public void Dispose()
    {
        if (temporary && File.Exists(path)) File.Delete(path);
    }
}
