using Lineage.Data;
using Lineage.Fingerprints.IpGuard;
using Lineage.Fingerprints.Sac;
using Lineage.Models.Training;

namespace Lineage.Fingerprints;

/// <summary>The create path for every method by name: source model + owner data + options → fingerprint.
/// <paramref name="sacWCorrectModels"/>: for SAC-w, independent models trained on the owner's data; only samples they
/// classify correctly are kept (SAC §3.3).</summary>
public static class FingerprintCreation
{
    public static IReadOnlyList<string> Methods { get; } = ["sac-m", "sac-w", "ipguard"];

    public static Fingerprint Create(string method, SourceModel source, Dataset ownerData, RuleOptions rule,
        SacOptions? sac = null, IpGuardOptions? ipGuard = null, IProgress<TrainingProgress>? progress = null,
        IReadOnlyList<Suspects.ISuspect>? sacWCorrectModels = null)
    {
        if (ownerData.Channels != source.Preprocessing.Channels || ownerData.Height != source.Preprocessing.Height || ownerData.Width != source.Preprocessing.Width)
            throw new ArgumentException($"the owner's data has images of {Engine.Tensor.FormatShape(ownerData.ImageShape)}, the source {source.Name} takes {Engine.Tensor.FormatShape(source.Preprocessing.Shape)}");
        return method switch
        {
            "sac-m" => SacFingerprinter.CreateSacM(source, ownerData, sac ?? new SacOptions(), rule),
            "sac-w" => SacFingerprinter.CreateSacW(source, ownerData, sac ?? new SacOptions(), rule, sacWCorrectModels, progress),
            "ipguard" => IpGuardFingerprinter.Create(source, ownerData, ipGuard ?? new IpGuardOptions(), rule),
            _ => throw new ArgumentException($"unknown fingerprint method '{method}'; choose one of: {string.Join(", ", Methods)}"),
        };
    }
}
