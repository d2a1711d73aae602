using System.IO.Compression;
using System.Text.Json;
using Lineage.Evidence;
using Lineage.Fingerprints;
using Lineage.Registry.Security;
using Lineage.Registry.Storage;
using Lineage.Suspects;
using Lineage.Verification;

namespace Lineage.Registry.Jobs;

/// <summary>What a worker needs besides the job: where files are, the SSRF policy, and the evidence signing key.</summary>
public sealed record WorkerOptions
{
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(60);
    public int MaxAttempts { get; init; } = 3;
    public TimeSpan IdlePoll { get; init; } = TimeSpan.FromMilliseconds(500);
    public double DefaultTimeoutSeconds { get; init; } = 30;
    public bool AllowPrivateSuspects { get; init; }
    /// <summary>A private key (lineage key create) to sign every evidence package with; null leaves them unsigned.</summary>
    public string? SignKeyPath { get; init; }
    public string Name { get; init; } = $"{Environment.MachineName}:{Environment.ProcessId}";
}

/// <summary>A scan that could not run at all, with the kind clients can act on (suspect_timeout, suspect_unreachable, bad_suspect).</summary>
public sealed class ScanFailure(string kind, string message, bool queriesMayHaveBeenSent) : Exception(message)
{
    public string Kind => kind;
    public bool QueriesMayHaveBeenSent => queriesMayHaveBeenSent;
}

/// <summary>A finished scan: its result document, its evidence archive's path (a temporary zip) and the queries spent.</summary>
public sealed record ScanOutcome(ScanResult Result, string EvidenceZip, long QueriesSpent);

/// <summary>
/// Runs one scan: the suspect against each chosen registered model, through the same verification as `lineage verify`
/// (<see cref="SuspectVerification"/>), with one evidence package per model, all zipped into one archive. A model
/// that cannot judge this suspect (another label space, a method that cannot read its answers) gets its reason and the
/// others go on; a suspect that times out or cannot be reached fails the whole scan.
/// </summary>
public sealed class ScanRunner(RegistryStore store, ContentStore content, WorkerOptions options)
{
    public ScanOutcome Run(Scan scan, CancellationToken cancel = default)
    {
        var request = ScanRequest.Parse(scan.OptionsJson) with { Url = scan.SuspectUrl };
        var work = content.NewTempPath("-scan");
        Directory.CreateDirectory(work);
        try
        {
            string location;
            if (scan.SuspectUrl is { } url)
            {
                try { new SuspectUrlPolicy(options.AllowPrivateSuspects).Check(url); }
                catch (ArgumentException e) { throw new ScanFailure("refused_url", e.Message, false); }
                location = url;
            }
            else
            {
                location = Path.Combine(work, scan.SuspectName);
                File.Copy(content.Verified(scan.SuspectSha256!), location);
            }
            var evidenceRoot = Path.Combine(work, "evidence");
            Directory.CreateDirectory(evidenceRoot);
            var entries = new List<ModelVerdict>();
            long spent = 0;
            foreach (var id in scan.ModelIds)
            {
                cancel.ThrowIfCancellationRequested();
                var model = store.Model(scan.TenantId, id);
                if (model is null) { entries.Add(ModelVerdict.Failed(id, null, "the model was deleted after the scan was submitted")); continue; }
                var dir = Path.Combine(work, "models", model.Id);
                Directory.CreateDirectory(dir);
                var fpPath = Path.Combine(dir, model.FileName);
                File.Copy(content.Verified(model.FileSha256), fpPath);
                try
                {
                    var bundle = FingerprintBundle.Open(fpPath);
                    var verify = new VerifyRequest
                    {
                        Location = location, Mode = request.OutputMode(), TopK = request.TopK ?? 1,
                        Remote = request.RemoteOptions(options.DefaultTimeoutSeconds), Combine = request.CombineOptions(), CaptureRequests = true,
                    };
                    verify = verify with { Budget = SuspectVerification.QueriesNeeded(bundle, verify) };
                    var verified = SuspectVerification.Verify(bundle, verify);
                    spent += verified.Verdict.QueriesSpent + verified.Verdict.ProbeQueries;
                    EvidenceWriter.Write(Path.Combine(evidenceRoot, model.Id),
                        verified.Evidence(fpPath, bundle, $"lineage registry scan {scan.Id}: suspect {scan.SuspectName} against {model.Name} {model.Version}"),
                        options.SignKeyPath);
                    entries.Add(ModelVerdict.Of(model, verified.Verdict));
                }
                catch (TimeoutException e) { throw new ScanFailure("suspect_timeout", e.Message, true); }
                catch (Exception e) when (scan.SuspectUrl is not null && e is HttpRequestException or IOException && e is not FileNotFoundException)
                {
                    throw new ScanFailure("suspect_unreachable", e.Message, true);
                }
                catch (Exception e) when (e is ArgumentException or InvalidDataException or NotSupportedException or QueryBudgetExceededException or FileNotFoundException)
                {
                    entries.Add(ModelVerdict.Failed(model.Id, model, e.Message.Replace(work + Path.DirectorySeparatorChar, "")));
                }
            }
            if (entries.Count > 0 && entries.All(e => e.Error is not null) && entries.Any(e => e.Model is not null))
                throw new ScanFailure("bad_suspect", $"no registered model could judge {scan.SuspectName}: {entries.First(e => e.Model is not null).Error}", scan.SuspectUrl is not null);
            var zip = content.NewTempPath(".zip");
            ZipFile.CreateFromDirectory(evidenceRoot, zip, CompressionLevel.Optimal, includeBaseDirectory: false);
            return new ScanOutcome(ScanResult.Rank(scan, entries), zip, spent);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }
}

/// <summary>One registered model's verdict on the suspect, or why there is none.</summary>
public sealed record ModelVerdict
{
    public required string ModelId { get; init; }
    public RegisteredModel? Model { get; init; }
    public CombinedVerdict? Verdict { get; init; }
    public string? Error { get; init; }

    public static ModelVerdict Of(RegisteredModel model, CombinedVerdict verdict) => new() { ModelId = model.Id, Model = model, Verdict = verdict };
    public static ModelVerdict Failed(string id, RegisteredModel? model, string error) => new() { ModelId = id, Model = model, Error = error };
}

/// <summary>
/// A scan's result: every model ranked by its combined p-value (most likely source first), each with its own verdict
/// at its FPR, and the same p-value Bonferroni-corrected over the models scanned, since asking N models "was it
/// yours?" gives N chances of a false alarm. <see cref="Identified"/> lists the models that stand after the correction.
/// </summary>
public sealed record ScanResult
{
    public required string ScanId { get; init; }
    public required string Suspect { get; init; }
    public required int ModelsScanned { get; init; }
    public required IReadOnlyList<string> Identified { get; init; }
    public required JsonElement Ranking { get; init; }

    public static ScanResult Rank(Scan scan, IReadOnlyList<ModelVerdict> entries)
    {
        int n = entries.Count;
        var ordered = entries.OrderBy(e => e.Verdict?.PValue is null ? 1 : 0).ThenBy(e => e.Verdict?.PValue ?? 1).ThenBy(e => e.Model?.Name, StringComparer.Ordinal).ToList();
        var ranking = ordered.Select((e, i) =>
        {
            double? family = e.Verdict?.PValue is double p ? Math.Min(1, p * n) : null;
            return new
            {
                rank = i + 1,
                model_id = e.ModelId,
                name = e.Model?.Name,
                version = e.Model?.Version,
                source_hash = e.Model?.SourceHash,
                verdict = e.Verdict?.Decision ?? "error",
                p_value = e.Verdict?.PValue,
                fpr = e.Verdict?.Fpr,
                p_value_across_models = family,
                identified = family is double f && e.Verdict is { } v && f <= v.Fpr,
                queries = e.Verdict is { } q ? q.QueriesSpent + q.ProbeQueries : 0,
                error = e.Error,
                combined = e.Verdict is null ? null : CombinedVerdictJson.Of(e.Verdict),
            };
        }).ToList();
        var identified = ranking.Where(r => r.identified).Select(r => r.model_id).ToList();
        return new ScanResult
        {
            ScanId = scan.Id, Suspect = scan.SuspectName, ModelsScanned = n, Identified = identified,
            Ranking = JsonSerializer.SerializeToElement(ranking),
        };
    }

    public string ToJson() => JsonSerializer.Serialize(new { scan_id = ScanId, suspect = Suspect, models_scanned = ModelsScanned, identified = Identified, ranking = Ranking });
}
