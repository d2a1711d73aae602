using System.Text.Json;
using Lineage.Fingerprints;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Evidence;

/// <summary>One thing wrong with a package, and the file it is in.</summary>
public sealed record EvidenceProblem(string File, string Problem)
{
    public override string ToString() => $"{File}: {Problem}";
}

/// <summary>What `lineage evidence check` found: problems (none when the evidence holds), who signed, and the verdict
/// the stored answers give when scored again.</summary>
public sealed record EvidenceCheckResult
{
    public required IReadOnlyList<EvidenceProblem> Problems { get; init; }
    public required int FilesChecked { get; init; }
    /// <summary>The signer's key fingerprint when the signature verified; null when unsigned or not verified.</summary>
    public string? Signer { get; init; }
    /// <summary>True when the signature was checked against a key the checker supplied, not only the one in the package.</summary>
    public bool SignerKeyGiven { get; init; }
    public CombinedVerdict? Rescored { get; init; }
    public EvidenceDocument? Document { get; init; }

    public bool Holds => Problems.Count == 0;
}

/// <summary>
/// Checks an evidence package: every file's SHA-256 against the manifest (and the manifest against its own self-hash),
/// no file missing or added, the signature over the manifest (with the checker's public key, or the signer key the
/// package carries), then scores the stored answers again offline with the stored fingerprint and confirms the
/// recorded verdict. Every problem is reported with the file it is in.
/// </summary>
public static class EvidenceCheck
{
    public static EvidenceCheckResult Run(string dir, string? publicKeyPath = null)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"evidence directory {dir} does not exist");
        var problems = new List<EvidenceProblem>();
        var manifestPath = Path.Combine(dir, EvidenceManifest.FileName);
        if (!File.Exists(manifestPath))
            return new EvidenceCheckResult { Problems = [new(EvidenceManifest.FileName, "missing: this is not a complete evidence package")], FilesChecked = 0 };
        var manifestBytes = File.ReadAllBytes(manifestPath);
        IReadOnlyDictionary<string, string> listed;
        try { listed = EvidenceManifest.Parse(manifestBytes); }
        catch (InvalidDataException e)
        {
            problems.Add(new(EvidenceManifest.FileName, e.Message.Replace(EvidenceManifest.FileName + ": ", "")));
            listed = new Dictionary<string, string>();
        }

        var present = EvidenceManifest.HashFiles(dir).ToDictionary(f => f.Path, f => f.Hash, StringComparer.Ordinal);
        foreach (var (path, hash) in listed)
        {
            if (!present.TryGetValue(path, out var actual)) problems.Add(new(path, "listed in the manifest but missing"));
            else if (actual != hash) problems.Add(new(path, $"SHA-256 is {actual[..12]}…, the manifest records {hash[..12]}…: the file was edited or damaged"));
        }
        if (listed.Count > 0)
            foreach (var path in present.Keys.Where(p => !listed.ContainsKey(p)))
                problems.Add(new(path, "not listed in the manifest: added after the package was made"));

        var (signer, given) = CheckSignature(dir, manifestBytes, publicKeyPath, problems);

        EvidenceDocument? doc = null;
        CombinedVerdict? rescored = null;
        if (problems.Count == 0)
        {
            try
            {
                doc = JsonSerializer.Deserialize<EvidenceDocument>(File.ReadAllText(Path.Combine(dir, EvidenceWriter.DocumentFileName)), EvidenceDocument.Json)
                      ?? throw new InvalidDataException("empty");
                doc.RequireNoNullEntries();
                rescored = Rescore(dir, doc, problems);
            }
            catch (Exception e) when (e is JsonException or InvalidDataException or ArgumentException or NotSupportedException or FileNotFoundException)
            {
                problems.Add(new(EvidenceWriter.DocumentFileName, "cannot be re-scored: " + e.Message));
            }
        }
        return new EvidenceCheckResult { Problems = problems, FilesChecked = present.Count + 1, Signer = signer, SignerKeyGiven = given, Rescored = rescored, Document = doc };
    }

    static (string? Signer, bool Given) CheckSignature(string dir, byte[] manifest, string? publicKeyPath, List<EvidenceProblem> problems)
    {
        var sigPath = Path.Combine(dir, EvidenceManifest.SignatureFileName);
        if (!File.Exists(sigPath))
        {
            if (publicKeyPath is not null) problems.Add(new(EvidenceManifest.SignatureFileName, $"missing: the package is not signed, so it cannot be checked against {publicKeyPath}"));
            return (null, false);
        }
        byte[] signature;
        try { signature = Convert.FromBase64String(File.ReadAllText(sigPath).Trim()); }
        catch (FormatException) { problems.Add(new(EvidenceManifest.SignatureFileName, "not a base64 signature")); return (null, false); }
        System.Security.Cryptography.ECDsa key;
        if (publicKeyPath is not null) key = EvidenceKeys.LoadPublic(publicKeyPath);
        else
        {
            var embedded = Path.Combine(dir, EvidenceManifest.PublicKeyFileName);
            if (!File.Exists(embedded)) { problems.Add(new(EvidenceManifest.PublicKeyFileName, "missing: no key to check the signature with (pass --public-key)")); return (null, false); }
            try { key = EvidenceKeys.ImportPublicPem(File.ReadAllText(embedded), EvidenceManifest.PublicKeyFileName); }
            catch (InvalidDataException e) { problems.Add(new(EvidenceManifest.PublicKeyFileName, e.Message)); return (null, false); }
        }
        using (key)
        {
            if (EvidenceKeys.Verify(key, manifest, signature)) return (EvidenceKeys.Fingerprint(key), publicKeyPath is not null);
            problems.Add(new(EvidenceManifest.SignatureFileName, publicKeyPath is null
                ? "does not verify the manifest with the signer key in the package: the manifest or the signature was changed"
                : $"does not verify the manifest with {publicKeyPath}: signed by another key, or the manifest or signature was changed"));
            return (null, publicKeyPath is not null);
        }
    }

    static CombinedVerdict Rescore(string dir, EvidenceDocument doc, List<EvidenceProblem> problems)
    {
        var bundle = FingerprintBundle.Open(Path.Combine(dir, doc.Fingerprint.File.Path));
        if (bundle.Members.Count != doc.Members.Count)
            throw new InvalidDataException($"the package records {doc.Members.Count} fingerprints, its fingerprint file holds {bundle.Members.Count}");
        var answers = doc.Members.Select(m => m.Answers is { } a
            ? AnswerFiles.Load(Path.Combine(dir, "answers"), Enum.Parse<OutputMode>(a.Mode, ignoreCase: true), a.Classes,
                new AnswerFiles.Files(Name(a.Labels), a.Values is null ? null : Name(a.Values), a.TopK is null ? null : Name(a.TopK)))
            : null).ToList();
        var options = new CombineOptions { Combiner = PValueCombination.Parse(doc.Verdict.Combination), Fpr = doc.Verdict.Fpr };
        // a sequential member is replayed: the same rounds over the same stored answers
        var replayed = doc.Members.Select((m, i) => m is { Rows: { } rows, Sequential: { } seq } && answers[i] is SuspectOutput a
            ? new MethodPart
            {
                Member = m.Member, Method = m.Method, Answers = a, Queries = m.QueriesSent, Rows = rows.ToArray(),
                Verdict = SequentialTest.Replay(bundle.Members[i].Fingerprint, rows.ToArray(), a, doc.Suspect.Location, seq.Alpha,
                    new SequentialOptions { RoundSize = seq.RoundSize, MissRate = seq.MissRate, Seed = seq.Seed }).Verdict,
            }
            : null).ToList();
        var queries = doc.Members.Select(m => m.QueriesSent).ToList();
        var mode = Enum.Parse<OutputMode>(doc.Suspect.Mode, ignoreCase: true);
        var verdict = CombinedVerifier.Judge(bundle, answers, queries, doc.Suspect.Location, mode, options, replayed);
        if (RecordsQueryLevelPValues(doc))
        {
            // the definition the package was written under: each method's own test, else its rank among the nulls
            var legacy = verdict.Parts.Select((part, i) => part.Verdict is { } v && part.Sequential is null
                ? part with { Verdict = v with { PValue = v.QueryPValue ?? bundle.Members[i].Fingerprint.RuleFor(v.Representation).PValue(v.Score), PValueBasis = v.QueryPValueBasis } }
                : part).ToList();
            verdict = CombinedVerifier.Judge(bundle, answers, queries, doc.Suspect.Location, mode, options, legacy);
        }
        if (verdict.Decision != doc.Verdict.Decision || !Same(verdict.PValue, doc.Verdict.PValue))
            problems.Add(new(EvidenceWriter.DocumentFileName, $"re-scoring the stored answers gives {verdict.Decision} (p = {verdict.PValue:G6}), the package records {doc.Verdict.Decision} (p = {doc.Verdict.PValue:G6})"));
        for (int i = 0; i < doc.Members.Count; i++)
        {
            var recorded = doc.Members[i];
            var again = verdict.Parts[i].Verdict;
            if (!Same(again?.Score, recorded.Score) || !Same(again?.PValue, recorded.PValue))
                problems.Add(new(EvidenceWriter.DocumentFileName, $"{recorded.Member}: re-scoring gives score {again?.Score:G6} (p = {again?.PValue:G6}), the package records {recorded.Score:G6} (p = {recorded.PValue:G6})"));
        }
        return verdict;
    }

    /// <summary>Packages written before verdicts' p-values were taken against independent models (Lineage before
    /// 2026-12-03) recorded each method's own test over its queries, else its rank among the null models, as the
    /// p-value; they are re-scored by that definition, so evidence written then still checks. Such a package has no
    /// query-level p-values of its own and no model-level basis on any member.</summary>
    static bool RecordsQueryLevelPValues(EvidenceDocument doc)
    {
        var judged = doc.Members.Where(m => m.PValue is not null && m.Sequential is null).ToList();
        return judged.Count > 0 && judged.All(m => m.QueryPValue is null && m.PValueBasis is string basis
            && !basis.StartsWith("Student-t prediction", StringComparison.Ordinal) && !basis.Contains("no spread to model", StringComparison.Ordinal));
    }

    static string Name(FileRecord f) => Path.GetFileName(f.Path);

    static bool Same(double? a, double? b) => (a, b) switch
    {
        (null, null) => true,
        (double x, double y) => Math.Abs(x - y) <= 1e-12 * Math.Max(1, Math.Abs(y)),
        _ => false,
    };
}
