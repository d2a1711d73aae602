using Lineage.Data;
using Lineage.Engine;
using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>
/// What the owner keeps after the white-box step: the queries, the source model's answers to them
/// (as logits, the richest form, so any suspect output mode can be compared), the method's
/// parameters, the decision rule and the source's identity. Scoring a suspect's answers against it
/// is a pure function of the two, so answers can be cached, rescored or checked against many fingerprints.
/// </summary>
public sealed class Fingerprint
{
    /// <summary>2: named artifact tensors and conformal rules; files of version 1 load unchanged.</summary>
    public const int CurrentFormatVersion = 2;

    public required string Method { get; init; }
    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public required DateTimeOffset CreatedUtc { get; init; }
    /// <summary>SHA-256 of the source model's weights and architecture.</summary>
    public required string SourceModelHash { get; init; }
    /// <summary>Method settings as strings (recorded verbatim in the file).</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }
    /// <summary>NCHW images in [0, 1].</summary>
    public required Tensor Queries { get; init; }
    /// <summary>The source model's logits on <see cref="Queries"/>.</summary>
    public required SuspectOutput SourceOutput { get; init; }
    /// <summary>Labels a derived model should give, where the method defines them (IPGuard: the source's labels on boundary points).</summary>
    public int[]? ExpectedLabels { get; init; }
    /// <summary>Named tensors the method keeps for verification (an encoder's weights, a perturbation, reference similarities).</summary>
    public IReadOnlyDictionary<string, Tensor> Artifacts { get; init; } = new Dictionary<string, Tensor>();
    /// <summary>Decision rules, one per view of a suspect's answers it was set for; the first is for the method's primary view.</summary>
    public required IReadOnlyList<DecisionRule> Rules { get; set; }

    public DecisionRule Rule => Rules[0];

    /// <summary>The rule for answers read as <paramref name="representation"/>.</summary>
    public DecisionRule RuleFor(string representation)
        => Rules.FirstOrDefault(r => r.Representation == representation)
           ?? throw new NotSupportedException($"this {Method} fingerprint has thresholds for {string.Join(", ", Rules.Select(r => r.Representation))}, not for a suspect read as {representation}; create it with independent models to calibrate every view");
    /// <summary>The source's declared input preprocessing, applied to queries for suspects that declare none (ONNX files, APIs).</summary>
    public required Preprocessing Preprocessing { get; init; }

    public int QueryCount => Queries.Shape[0];
    public int Classes => SourceOutput.Classes;

    public Tensor Artifact(string name) => Artifacts.TryGetValue(name, out var t) ? t
        : throw new InvalidDataException($"fingerprint of method {Method} lacks its artifact '{name}'");

    public string Parameter(string name) => Parameters.TryGetValue(name, out var v) ? v
        : throw new InvalidDataException($"fingerprint of method {Method} lacks its parameter '{name}'");
}
