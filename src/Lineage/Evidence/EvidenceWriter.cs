using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Lineage.Data.Formats;
using Lineage.Fingerprints;
using Lineage.Statistics;

namespace Lineage.Evidence;

/// <summary>What one verification produced, to be kept as evidence.</summary>
public sealed record EvidenceRun
{
    /// <summary>The fingerprint or bundle file that was verified (copied into the package).</summary>
    public required string FingerprintPath { get; init; }
    public required FingerprintBundle Bundle { get; init; }
    public required CombinedVerdict Verdict { get; init; }
    public required string CommandLine { get; init; }
    public required DateTimeOffset Started { get; init; }
    public required DateTimeOffset Finished { get; init; }
    public required SuspectRecord Suspect { get; init; }
    /// <summary>The audit lines (JSONL) of the HTTP requests this verification made; null for a local suspect.</summary>
    public byte[]? RequestLog { get; init; }
}

/// <summary>
/// Writes an evidence package (docs/verdict.md): evidence.json, the fingerprint file, every query batch and answer as
/// .npy, the request log, report.html, the manifest of SHA-256s and, with a key, its signature. The package is built in
/// a hidden sibling folder and renamed into place only when complete, so a crash never leaves a package that looks
/// finished; an existing folder is never written into.
/// </summary>
public static class EvidenceWriter
{
    public const string DocumentFileName = "evidence.json";
    public const string ReportFileName = "report.html";

    public static string Write(string dir, EvidenceRun run, string? signKeyPath = null)
    {
        var full = Path.GetFullPath(dir.TrimEnd('/', '\\'));
        if (Directory.Exists(full) || File.Exists(full))
            throw new ArgumentException($"evidence directory {dir} already exists; evidence is never overwritten: choose a new name");
        using var key = signKeyPath is null ? null : EvidenceKeys.LoadPrivate(signKeyPath);
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(full)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var doc = WriteContent(staging, run);
            File.WriteAllText(Path.Combine(staging, ReportFileName), EvidenceReport.Html(doc, run.Bundle));
            if (key is not null) File.WriteAllText(Path.Combine(staging, EvidenceManifest.PublicKeyFileName), key.ExportSubjectPublicKeyInfoPem() + "\n");
            var manifest = EvidenceManifest.Build(staging);
            File.WriteAllBytes(Path.Combine(staging, EvidenceManifest.FileName), manifest);
            if (key is not null)
                File.WriteAllText(Path.Combine(staging, EvidenceManifest.SignatureFileName), Convert.ToBase64String(EvidenceKeys.Sign(key, manifest)) + "\n");
            Directory.Move(staging, full);
            return full;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    static EvidenceDocument WriteContent(string root, EvidenceRun run)
    {
        FileRecord Record(string relative) => new(relative, EvidenceManifest.FileSha256(Path.Combine(root, relative)));
        Directory.CreateDirectory(Path.Combine(root, "fingerprint"));
        Directory.CreateDirectory(Path.Combine(root, "queries"));
        Directory.CreateDirectory(Path.Combine(root, "answers"));
        var fpRelative = "fingerprint/" + Path.GetFileName(run.FingerprintPath);
        File.Copy(run.FingerprintPath, Path.Combine(root, fpRelative));

        var members = new List<MemberRecord>();
        for (int i = 0; i < run.Bundle.Members.Count; i++)
        {
            var member = run.Bundle.Members[i];
            var part = run.Verdict.Parts[i];
            var fp = member.Fingerprint;
            string stem = $"{i:00}-{Safe(member.Name)}";
            FileRecord? queries = null;
            AnswersRecord? answers = null;
            if (part.Answers is { } a)
            {
                var q = "queries/" + stem + ".npy";
                var sent = part.Rows is int[] rows ? fp.Queries.IndexSelect(0, rows) : fp.Queries;
                NpyImages.Write(Path.Combine(root, q), sent);
                queries = Record(q);
                var files = AnswerFiles.Save(a, Path.Combine(root, "answers"), stem);
                answers = new AnswersRecord(a.Mode.ToString().ToLowerInvariant(), a.Classes, a.K, Record("answers/" + files.Labels),
                    files.Values is null ? null : Record("answers/" + files.Values), files.TopK is null ? null : Record("answers/" + files.TopK));
            }
            var v = part.Verdict;
            members.Add(new MemberRecord
            {
                Member = member.Name, Method = member.Method, Sha256 = member.Sha256, Parameters = fp.Parameters, QueryCount = fp.QueryCount,
                Rules = fp.Rules.Select(r => new RuleRecord(r.Representation, Direction(r.Direction), r.Threshold, r.Basis, r.NullScores, r.TargetFpr, r.GuaranteedFpr)).ToList(),
                Queries = queries, Answers = answers, QueriesSent = part.Queries, NotRead = part.NotRead, Rows = part.Rows,
                Sequential = part.Sequential is { } so ? new SequentialRecord(so.RoundSize, so.MissRate, so.Seed, part.SequentialAlpha!.Value) : null,
                Score = v?.Score, Threshold = v?.Threshold, Direction = v is null ? null : Direction(v.Direction), PValue = v?.PValue,
                PValueBasis = v?.PValueBasis, QueryPValue = v?.QueryPValue, QueryPValueBasis = v?.QueryPValueBasis,
                Representation = v?.Representation, Decision = v?.Decision,
            });
        }
        FileRecord? log = null;
        if (run.RequestLog is byte[] lines)
        {
            File.WriteAllBytes(Path.Combine(root, "request-log.jsonl"), lines);
            log = Record("request-log.jsonl");
        }
        var c = run.Verdict;
        var doc = new EvidenceDocument
        {
            StartedUtc = Utc(run.Started), FinishedUtc = Utc(run.Finished), CommandLine = run.CommandLine, Tool = Tool(),
            Fingerprint = new FingerprintRecord(Record(fpRelative), run.Bundle.SourceModelHash, FingerprintBundle.IsBundle(run.FingerprintPath)),
            Suspect = run.Suspect, Members = members, RequestLog = log,
            Verdict = new VerdictRecord
            {
                Decision = c.Decision, Stolen = c.Stolen, PValue = c.PValue, Fpr = c.Fpr, Combination = PValueCombination.Name(c.Combiner),
                Basis = c.Basis, ValidUnderDependence = PValueCombination.ValidUnderDependence(c.Combiner), QueriesSpent = c.QueriesSpent,
            },
        };
        File.WriteAllText(Path.Combine(root, DocumentFileName), JsonSerializer.Serialize(doc, EvidenceDocument.Json));
        return doc;
    }

    /// <summary>Lineage's version and the git commit it was built from (when the build recorded it), the engine's version and the runtime.</summary>
    public static ToolRecord Tool()
    {
        var info = typeof(EvidenceWriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                   ?? typeof(EvidenceWriter).Assembly.GetName().Version?.ToString() ?? "unknown";
        int plus = info.IndexOf('+');
        var engine = typeof(Lineage.Engine.Tensor).Assembly;
        return new ToolRecord(plus < 0 ? info : info[..plus], plus < 0 ? null : info[(plus + 1)..],
            engine.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? engine.GetName().Version?.ToString() ?? "unknown",
            RuntimeInformation.FrameworkDescription, RuntimeInformation.OSDescription, RuntimeInformation.ProcessArchitecture.ToString());
    }

    public static string Direction(ScoreDirection d) => d == ScoreDirection.LowerIsStolen ? "lower_is_stolen" : "higher_is_stolen";

    static string Utc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    static string Safe(string name) => new(name.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_').ToArray());
}
