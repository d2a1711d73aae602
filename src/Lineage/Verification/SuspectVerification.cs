using Lineage.Evidence;
using Lineage.Fingerprints;
using Lineage.Suspects;
using Lineage.Suspects.Remote;

namespace Lineage.Verification;

/// <summary>How one suspect is to be verified against a bundle: where it lives, what it is declared to answer, and the
/// limits on what may be sent to it.</summary>
public sealed record VerifyRequest
{
    /// <summary>A Lineage model file, an ONNX file, or an http(s) prediction API.</summary>
    public required string Location { get; init; }
    /// <summary>What the suspect reveals; null: logits for files, detected with one probe batch for Open Inference APIs.</summary>
    public OutputMode? Mode { get; init; }
    public int TopK { get; init; } = 1;
    /// <summary>Hard limit on images sent to the suspect, the probe included.</summary>
    public long? Budget { get; init; }
    /// <summary>Options for an http(s) suspect; the class count and budget are filled in from the bundle and <see cref="Budget"/>.</summary>
    public RemoteSuspectOptions? Remote { get; init; }
    public OnnxSuspectRuntime Runtime { get; init; } = OnnxSuspectRuntime.OnnxRuntime;
    public CombineOptions Combine { get; init; } = new();
    public SequentialOptions? Sequential { get; init; }
    /// <summary>Keep the audit lines of the HTTP requests made, for an evidence package.</summary>
    public bool CaptureRequests { get; init; }

    public bool IsRemote => Location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || Location.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
}

/// <summary>What one verification found, with what an evidence package needs to record it.</summary>
public sealed record VerifiedSuspect
{
    public required CombinedVerdict Verdict { get; init; }
    public required SuspectRecord Identity { get; init; }
    /// <summary>The audit lines of the HTTP requests made (null for a local suspect or when not captured).</summary>
    public byte[]? RequestLog { get; init; }
    public required DateTimeOffset Started { get; init; }
    public required DateTimeOffset Finished { get; init; }

    /// <summary>The record an evidence package is written from.</summary>
    public EvidenceRun Evidence(string fingerprintPath, FingerprintBundle bundle, string commandLine) => new()
    {
        FingerprintPath = fingerprintPath, Bundle = bundle, Verdict = Verdict, Started = Started, Finished = Finished,
        CommandLine = commandLine, Suspect = Identity, RequestLog = RequestLog,
    };
}

/// <summary>
/// The verify path for one suspect and one bundle, as `lineage verify` and the registry's workers run it: open the
/// suspect (one probe batch detects what an Open Inference API answers unless the mode is declared; the probe comes
/// out of the budget), send each member's queries, combine the members' p-values, and keep the request log for the
/// evidence.
/// </summary>
public static class SuspectVerification
{
    public static VerifiedSuspect Verify(FingerprintBundle bundle, VerifyRequest request)
    {
        var started = DateTimeOffset.UtcNow;
        var remote = (request.Remote ?? DefaultRemote(request)) with { Classes = bundle.First.Classes, Budget = request.Budget };
        using var capture = request.CaptureRequests && request.IsRemote ? new RequestLogCapture(remote) : null;
        var opened = SuspectOpener.Open(request.Location, bundle.First.Preprocessing, request.Mode, request.TopK, capture?.Options ?? remote, Probe(bundle.First), request.Runtime);
        var verdict = CombinedVerifier.Verify(bundle, opened.Suspect, request.Combine, request.Budget - opened.ProbeQueries, request.Sequential)
            with { SuspectModeBasis = opened.ModeBasis, ProbeQueries = opened.ProbeQueries };
        return new VerifiedSuspect
        {
            Verdict = verdict,
            Identity = SuspectIdentity.Of(request.Location, opened.Suspect, opened.ModeBasis),
            RequestLog = capture?.Collect(),
            Started = started,
            Finished = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>The options a remote suspect gets when none are given: the declared mode's output, else logits.</summary>
    static RemoteSuspectOptions DefaultRemote(VerifyRequest request)
    {
        var mode = request.Mode ?? OutputMode.Logits;
        return new RemoteSuspectOptions { Output = SuspectFactory.RemoteOutputKindOf(mode), TopK = mode == OutputMode.TopK ? request.TopK : null };
    }

    /// <summary>The fingerprint's first query: the probe that detects an API's output format.</summary>
    public static Engine.Tensor Probe(Fingerprint fp)
    {
        int per = fp.Queries.Size / fp.QueryCount;
        return Engine.Tensor.FromArray(fp.Queries.ToArray()[..per], [1, .. fp.Queries.Shape[1..]]);
    }

    /// <summary>Images one verification may send: every member's queries, and the probe when an API's mode is to be detected.</summary>
    public static long QueriesNeeded(FingerprintBundle bundle, VerifyRequest request)
        => bundle.Members.Sum(m => (long)m.Fingerprint.QueryCount) + (request.IsRemote && request.Mode is null ? 1 : 0);
}
