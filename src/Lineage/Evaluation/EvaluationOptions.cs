using Lineage.Fingerprints;
using Lineage.Suspects;

namespace Lineage.Evaluation;

/// <summary>What <see cref="ZooEvaluation"/> runs: which methods, how suspects answer, and the settings of each method.</summary>
public sealed record EvaluationOptions
{
    public IReadOnlyList<string> Methods { get; init; } = ["sac-m", "sac-w", "ipguard"];
    /// <summary>Which source of the zoo to fingerprint (its id); null for a zoo with a single source.</summary>
    public string? Source { get; init; }
    /// <summary>Target false-positive rate of each fingerprint's calibrated decision threshold.</summary>
    public double TargetFpr { get; init; } = 0.05;
    /// <summary>The false-positive rate at which TPR is reported (SAC and CAE report 1%).</summary>
    public double ReportFpr { get; init; } = 0.01;
    /// <summary>What every suspect reveals to the verifier.</summary>
    public OutputMode Mode { get; init; } = OutputMode.Logits;
    public int TopK { get; init; } = 1;
    /// <summary>Each method's parameters by method name (the catalog's defaults fill the rest).</summary>
    public IReadOnlyDictionary<string, Dictionary<string, string>> Parameters { get; init; } = new Dictionary<string, Dictionary<string, string>>();
    /// <summary>Seed of fingerprint creation.</summary>
    public int Seed { get; init; }
    /// <summary>The owner's kit directory: methods learn from it and thresholds are calibrated on its references, so
    /// every independent model of the zoo is held out. It must share no model with the zoo.</summary>
    public string? Kit { get; init; }
    /// <summary>Seeds the split of independent models into calibration and held-out halves (without a kit).</summary>
    public int CalibrationSeed { get; init; } = 1;

    public IReadOnlyDictionary<string, string>? ParametersOf(string method) => Parameters.GetValueOrDefault(method);

    /// <summary>A stable description of everything that changes a score; cached work is reused only under the same key.</summary>
    internal string CacheKey(string method, string? kitHash)
    {
        var resolved = MethodParameters.Resolve(FingerprintCatalog.Get(method).Info, ParametersOf(method));
        // invariant culture: the same settings must give the same key on any machine
        return FormattableString.Invariant($"{method}|{Mode}|{TopK}|{TargetFpr:R}|{CalibrationSeed}|seed={Seed}|{resolved}|kit={kitHash}");
    }
}
