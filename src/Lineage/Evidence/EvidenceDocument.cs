using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lineage.Evidence;

/// <summary>evidence.json: everything needed to know what was asked, what was answered and how the verdict followed.</summary>
public sealed record EvidenceDocument
{
    public const string CurrentFormat = "lineage-evidence/1";
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // a package is read back from a folder anyone may have edited: a null where the record has no null is a JSON
        // error, not a NullReferenceException in the re-scoring
        RespectNullableAnnotations = true,
    };

    /// <summary>Refuses a document with a null where its records allow none (see <see cref="NullWalk"/>).</summary>
    public void RequireNoNullEntries()
    {
        if (NullWalk.FirstDisallowedNull(this) is { } path) throw new InvalidDataException($"{path} is missing or null");
    }

    public string Format { get; init; } = CurrentFormat;
    public required string StartedUtc { get; init; }
    public required string FinishedUtc { get; init; }
    /// <summary>The exact command line that made the package.</summary>
    public required string CommandLine { get; init; }
    public required ToolRecord Tool { get; init; }
    public required FingerprintRecord Fingerprint { get; init; }
    public required SuspectRecord Suspect { get; init; }
    public required IReadOnlyList<MemberRecord> Members { get; init; }
    /// <summary>The audit log of every HTTP request (remote suspects), as a file of the package.</summary>
    public FileRecord? RequestLog { get; init; }
    public required VerdictRecord Verdict { get; init; }
}

public sealed record FileRecord(string Path, string Sha256);

public sealed record ToolRecord(string LineageVersion, string? GitCommit, string EngineVersion, string Runtime, string Os, string Architecture);

/// <summary>The fingerprint (or bundle) file as verified, copied into the package byte for byte.</summary>
public sealed record FingerprintRecord(FileRecord File, string SourceModelHash, bool IsBundle);

/// <summary>Who was asked: a file's SHA-256, or a URL with the API's metadata reply.</summary>
public sealed record SuspectRecord
{
    public required string Location { get; init; }
    public string? FileSha256 { get; init; }
    public string? Url { get; init; }
    /// <summary>The API's model metadata reply (JSON), as read before querying.</summary>
    public string? MetadataReply { get; init; }
    /// <summary>What the suspect answers with (detected or declared), e.g. "logits".</summary>
    public required string Mode { get; init; }
    public string? ModeBasis { get; init; }
    public required int Classes { get; init; }
}

/// <summary>One fingerprint of the bundle: its method and parameters, its rules with the calibration's null scores, the
/// query batch sent and the answers received (each a file with its SHA-256), and its part of the verdict.</summary>
public sealed record MemberRecord
{
    public required string Member { get; init; }
    public required string Method { get; init; }
    public required string Sha256 { get; init; }
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }
    public required int QueryCount { get; init; }
    public required IReadOnlyList<RuleRecord> Rules { get; init; }
    public FileRecord? Queries { get; init; }
    public AnswersRecord? Answers { get; init; }
    public long QueriesSent { get; init; }
    /// <summary>For a sequential verification: the fingerprint's rows sent, in order (the query and answer files hold these rows only).</summary>
    public IReadOnlyList<int>? Rows { get; init; }
    public SequentialRecord? Sequential { get; init; }
    public string? NotRead { get; init; }
    public double? Score { get; init; }
    public double? Threshold { get; init; }
    public string? Direction { get; init; }
    public double? PValue { get; init; }
    public string? PValueBasis { get; init; }
    /// <summary>The method's own test over its queries, reported beside the model-level p-value, never decided on.</summary>
    public double? QueryPValue { get; init; }
    public string? QueryPValueBasis { get; init; }
    public string? Representation { get; init; }
    public string? Decision { get; init; }
}

/// <summary>The settings a sequential test ran with, so that it can be replayed on the stored answers.</summary>
public sealed record SequentialRecord(int RoundSize, double MissRate, int Seed, double Alpha);

public sealed record RuleRecord(string Representation, string Direction, double Threshold, string Basis, IReadOnlyList<double> NullScores, double? TargetFpr, double? GuaranteedFpr);

public sealed record AnswersRecord(string Mode, int Classes, int K, FileRecord Labels, FileRecord? Values, FileRecord? TopK);

public sealed record VerdictRecord
{
    public required string Decision { get; init; }
    public required bool Stolen { get; init; }
    public double? PValue { get; init; }
    public required double Fpr { get; init; }
    public required string Combination { get; init; }
    public required string Basis { get; init; }
    public required bool ValidUnderDependence { get; init; }
    public required long QueriesSpent { get; init; }
}
