namespace Lineage.Cli.Commands;

/// <summary>Reports on the calling thread, in order; System.Progress would post each report to the thread pool.</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
