using Lineage.Registry.Storage;

namespace Lineage.Registry.Jobs;

/// <summary>
/// Takes scans from the queue and runs them, one at a time. While a scan runs, a heartbeat extends its lease every
/// third of the lease; a worker killed mid-scan stops renewing it, and once it expires another worker claims the scan
/// and runs it again. The result is written only while the lease is still this worker's (<see cref="RegistryStore.Complete"/>),
/// so a scan taken over finishes exactly once.
/// </summary>
public sealed class ScanWorker(RegistryStore store, ContentStore content, WorkerOptions options, Action<string>? log = null)
{
    readonly ScanRunner runner = new(store, content, options);

    /// <summary>Claims and runs one scan; false when the queue was empty.</summary>
    public bool RunOnce(CancellationToken cancel = default)
    {
        var claim = store.Claim(options.Name, options.Lease, options.MaxAttempts);
        if (claim is null) return false;
        var scan = claim.Scan;
        log?.Invoke($"scan {scan.Id}: claimed (attempt {scan.Attempts}), {scan.ModelIds.Count} models");
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var heartbeat = new Timer(_ =>
        {
            try { if (!store.Heartbeat(claim, options.Lease)) lost.Cancel(); }
            catch (Exception) { /* the database is briefly unreachable: the next beat retries; the lease covers two misses */ }
        }, null, options.Lease / 3, options.Lease / 3);
        try
        {
            var outcome = runner.Run(scan, lost.Token);
            heartbeat.Change(Timeout.Infinite, Timeout.Infinite);
            var evidence = content.PutFile(outcome.EvidenceZip);
            bool written = store.Complete(claim, outcome.Result.ToJson(), evidence, outcome.QueriesSpent);
            log?.Invoke(written ? $"scan {scan.Id}: done, {outcome.Result.Identified.Count} of {outcome.Result.ModelsScanned} models identified, {outcome.QueriesSpent} queries"
                                : $"scan {scan.Id}: finished after its lease passed to another worker; that worker's result stands");
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !cancel.IsCancellationRequested)
        {
            log?.Invoke($"scan {scan.Id}: lease lost to another worker; stopped");
        }
        catch (ScanFailure f)
        {
            store.Fail(claim, f.Message, f.Kind, f.QueriesMayHaveBeenSent ? scan.ReservedQueries : 0);
            log?.Invoke($"scan {scan.Id}: failed ({f.Kind}): {f.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A fault of the registry itself (disk, a bug): recorded on the scan rather than retried, since a retry would likely repeat it.
            store.Fail(claim, $"internal error: {e.GetType().Name}: {e.Message}", "internal", scan.SuspectUrl is null ? 0 : scan.ReservedQueries);
            log?.Invoke($"scan {scan.Id}: internal error: {e}");
        }
        return true;
    }

    public void RunUntil(CancellationToken cancel)
    {
        content.SweepTemp();
        while (!cancel.IsCancellationRequested)
        {
            bool worked;
            try { worked = RunOnce(cancel); }
            catch (OperationCanceledException) { break; }
            catch (Exception e) when (e is System.Data.Common.DbException or IOException)
            {
                log?.Invoke($"worker: {e.Message}; retrying");
                worked = false;
            }
            if (!worked) cancel.WaitHandle.WaitOne(options.IdlePoll);
        }
    }
}
