using Lineage.Evidence;
using Lineage.Fingerprints;
using Lineage.Suspects;
using Lineage.Tests.Data;
using Lineage.Tests.Fingerprints.Combined;

namespace Lineage.Tests.Evidence;

public class EvidencePackageTests
{
    /// <summary>A bundle of two methods verified on a copy of the source, and the run it makes.</summary>
    static EvidenceRun Run(TempDir dir, OutputMode mode = OutputMode.Logits)
    {
        var source = LinearWorld.Source();
        var nulls = LinearWorld.Nulls(39);
        var akh = LinearWorld.Save(LinearWorld.Make("akh", source, 30, 1, nulls), dir.Path, "akh.fingerprint");
        var sac = LinearWorld.Save(LinearWorld.Make("sac-m", source, 12, 3, nulls, views: ["logits"]), dir.Path, "sac.fingerprint");
        var bundlePath = Path.Combine(dir.Path, "both.bundle");
        var bundle = FingerprintBundle.Create([akh, sac], bundlePath);
        var suspect = LinearSuspect.Derived(source, "copy.onnx", 0.02, 7, mode);
        var started = DateTimeOffset.UtcNow;
        var verdict = CombinedVerifier.Verify(bundle, suspect, new CombineOptions());
        return new EvidenceRun
        {
            FingerprintPath = bundlePath, Bundle = bundle, Verdict = verdict, Started = started, Finished = DateTimeOffset.UtcNow,
            CommandLine = "lineage verify -f both.bundle -s copy.onnx --evidence ev",
            Suspect = new SuspectRecord { Location = "copy.onnx", FileSha256 = new string('a', 64), Mode = mode.ToString().ToLowerInvariant(), Classes = LinearWorld.Classes },
            RequestLog = "{\"time\":\"2026-12-03T08:00:00Z\",\"batch_size\":42}\n"u8.ToArray(),
        };
    }

    [Fact]
    public void ASignedPackageRoundTripsAndReScoresToTheSameVerdict()
    {
        using var dir = new TempDir();
        var run = Run(dir);
        Assert.True(run.Verdict.Stolen);
        var key = EvidenceKeys.Create(dir.File("owner.key"));
        var ev = EvidenceWriter.Write(dir.File("ev"), run, key.PrivatePath);

        foreach (var name in new[] { "evidence.json", "report.html", "manifest.sha256", "signature.sig", "signer.pub", "request-log.jsonl", "fingerprint/both.bundle",
                                     "queries/00-akh.fingerprint.npy", "answers/00-akh.fingerprint.labels.npy", "answers/01-sac.fingerprint.values.npy" })
            Assert.True(File.Exists(Path.Combine(ev, name)), name);
        Assert.Empty(Directory.GetDirectories(dir.Path, ".ev.partial-*"));   // the staging folder is gone

        var result = EvidenceCheck.Run(ev, key.PublicPath);
        Assert.True(result.Holds, string.Join("\n", result.Problems));
        Assert.True(result.SignerKeyGiven);
        Assert.Equal(key.Fingerprint, result.Signer);
        Assert.Equal(run.Verdict.Decision, result.Rescored!.Decision);
        Assert.Equal(run.Verdict.PValue, result.Rescored.PValue);

        var doc = result.Document!;
        Assert.Equal(run.Bundle.SourceModelHash, doc.Fingerprint.SourceModelHash);
        Assert.Equal(39, doc.Members[0].Rules[0].NullScores.Count);
        Assert.Equal(run.CommandLine, doc.CommandLine);
        Assert.False(string.IsNullOrEmpty(doc.Tool.Runtime));
        var html = File.ReadAllText(Path.Combine(ev, "report.html"));
        Assert.Contains("<svg", html);
        Assert.Contains("Verdict: derived from the source model", html);
        Assert.Contains("lineage evidence check", html);
        Assert.DoesNotContain("<script", html);
    }

    /// <summary>A package written before verdicts' p-values were model-level recorded each method's own test (else its
    /// rank among the nulls); it must still check, by the definition it was written under.</summary>
    [Fact]
    public void APackageWithQueryLevelPValuesFromBeforeStillChecks()
    {
        using var dir = new TempDir();
        var run = Run(dir);
        var parts = run.Verdict.Parts.Select((part, i) => part with
        {
            Verdict = part.Verdict! with
            {
                PValue = part.Verdict.QueryPValue ?? run.Bundle.Members[i].Fingerprint.RuleFor(part.Verdict.Representation).PValue(part.Verdict.Score),
                PValueBasis = part.Verdict.QueryPValueBasis ?? "rank among the 39 null models' scores",
                QueryPValue = null, QueryPValueBasis = null,
            },
        }).ToList();
        var old = CombinedVerifier.Judge(run.Bundle, parts.Select(p => p.Answers).ToList(), parts.Select(p => p.Queries).ToList(), run.Verdict.Suspect,
            run.Verdict.SuspectMode, new CombineOptions(), parts);
        Assert.NotEqual(run.Verdict.PValue, old.PValue);   // the two definitions differ on this suspect
        var ev = EvidenceWriter.Write(dir.File("ev-old"), run with { Verdict = old });
        var result = EvidenceCheck.Run(ev, null);
        Assert.True(result.Holds, string.Join("\n", result.Problems));
        Assert.Equal(old.PValue, result.Rescored!.PValue);

        // and a package of today's kind is checked by today's definition
        var now = EvidenceCheck.Run(EvidenceWriter.Write(dir.File("ev-new"), run), null);
        Assert.True(now.Holds, string.Join("\n", now.Problems));
        Assert.Equal(run.Verdict.PValue, now.Rescored!.PValue);
    }

    [Fact]
    public void AnEditOfAnyOneByteInAnyFileFailsTheCheckNamingTheFile()
    {
        using var dir = new TempDir();
        var key = EvidenceKeys.Create(dir.File("owner.key"));
        var ev = EvidenceWriter.Write(dir.File("ev"), Run(dir), key.PrivatePath);
        var files = Directory.EnumerateFiles(ev, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(ev, f).Replace('\\', '/')).ToList();
        Assert.Equal(13, files.Count);   // evidence.json, report, manifest, signature, signer key, request log, bundle, 2 query batches, 2 × (labels, values)
        foreach (var file in files)
        {
            var path = Path.Combine(ev, file);
            var original = File.ReadAllBytes(path);
            var edited = (byte[])original.Clone();
            edited[edited.Length / 2] ^= 0x01;
            File.WriteAllBytes(path, edited);
            var result = EvidenceCheck.Run(ev, key.PublicPath);
            Assert.False(result.Holds, $"an edit of {file} went unnoticed");
            Assert.Contains(result.Problems, p => p.File == file);
            File.WriteAllBytes(path, original);
        }
        Assert.True(EvidenceCheck.Run(ev, key.PublicPath).Holds);

        // truncation, a missing file and an added file are named too
        var answers = Path.Combine(ev, "answers/00-akh.fingerprint.labels.npy");
        File.WriteAllBytes(answers, File.ReadAllBytes(answers)[..40]);
        Assert.Contains(EvidenceCheck.Run(ev, key.PublicPath).Problems, p => p.File == "answers/00-akh.fingerprint.labels.npy");
        File.Delete(answers);
        Assert.Contains(EvidenceCheck.Run(ev, key.PublicPath).Problems, p => p.File == "answers/00-akh.fingerprint.labels.npy" && p.Problem.Contains("missing"));
        File.WriteAllText(Path.Combine(ev, "extra.txt"), "x");
        Assert.Contains(EvidenceCheck.Run(ev, key.PublicPath).Problems, p => p.File == "extra.txt");
    }

    [Fact]
    public void AMissingOrWrongKeyFailsClearly()
    {
        using var dir = new TempDir();
        var owner = EvidenceKeys.Create(dir.File("owner.key"));
        var other = EvidenceKeys.Create(dir.File("other.key"));
        Assert.Contains("already exists", Assert.Throws<ArgumentException>(() => EvidenceKeys.Create(dir.File("owner.key"))).Message);

        var run = Run(dir);
        Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => EvidenceWriter.Write(dir.File("ev0"), run, dir.File("nokey"))).Message);
        Assert.Contains("public key only", Assert.Throws<ArgumentException>(() => EvidenceWriter.Write(dir.File("ev0"), run, owner.PublicPath)).Message);
        Assert.False(Directory.Exists(dir.File("ev0")));

        var signed = EvidenceWriter.Write(dir.File("signed"), run, owner.PrivatePath);
        var wrong = EvidenceCheck.Run(signed, other.PublicPath);
        Assert.Contains(wrong.Problems, p => p.File == "signature.sig" && p.Problem.Contains("other.key.pub"));
        Assert.Throws<FileNotFoundException>(() => EvidenceCheck.Run(signed, dir.File("missing.pub")));
        File.WriteAllText(dir.File("garbage.pub"), "not a key");
        Assert.Contains("not a PEM ECDSA key", Assert.Throws<InvalidDataException>(() => EvidenceCheck.Run(signed, dir.File("garbage.pub"))).Message);

        var unsigned = EvidenceWriter.Write(dir.File("unsigned"), run);
        Assert.True(EvidenceCheck.Run(unsigned).Holds);
        Assert.Contains(EvidenceCheck.Run(unsigned, owner.PublicPath).Problems, p => p.File == "signature.sig" && p.Problem.Contains("not signed"));
    }

    [Fact]
    public void AnExistingEvidenceDirectoryIsNeverOverwritten()
    {
        using var dir = new TempDir();
        var run = Run(dir);
        var ev = EvidenceWriter.Write(dir.File("ev"), run);
        var before = File.ReadAllBytes(Path.Combine(ev, "evidence.json"));
        Assert.Contains("already exists", Assert.Throws<ArgumentException>(() => EvidenceWriter.Write(dir.File("ev"), run)).Message);
        Directory.CreateDirectory(dir.File("empty"));
        Assert.Contains("already exists", Assert.Throws<ArgumentException>(() => EvidenceWriter.Write(dir.File("empty"), run)).Message);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(ev, "evidence.json")));
    }

    [Fact]
    public void AnIncompletePackageIsNotTakenForEvidence()
    {
        using var dir = new TempDir();
        var ev = EvidenceWriter.Write(dir.File("ev"), Run(dir));
        File.Delete(Path.Combine(ev, "manifest.sha256"));   // what a crash before the last step would leave (in a hidden .partial folder)
        var result = EvidenceCheck.Run(ev);
        Assert.Contains(result.Problems, p => p.File == "manifest.sha256" && p.Problem.Contains("not a complete evidence package"));
    }

    [Fact]
    public void TopKAndLabelAnswersRoundTripThroughTheirFiles()
    {
        foreach (var mode in new[] { OutputMode.TopK, OutputMode.Label, OutputMode.Probabilities })
        {
            using var dir = new TempDir();
            var ev = EvidenceWriter.Write(dir.File("ev"), Run(dir, mode));
            var result = EvidenceCheck.Run(ev);
            Assert.True(result.Holds, mode + ": " + string.Join("\n", result.Problems));
        }
    }
}
