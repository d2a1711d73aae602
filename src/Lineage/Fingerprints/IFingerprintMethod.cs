using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>
/// A fingerprinting method's verify side: given a fingerprint and a suspect's answers to its queries,
/// a score. Creation is method-specific (white-box on the source) and lives beside each method.
/// </summary>
public interface IFingerprintMethod
{
    string Name { get; }

    /// <summary>Scores a suspect's answers; also says how the answers were read (for the verdict).
    /// Throws <see cref="NotSupportedException"/> with a clear reason when the method cannot use the answers' mode.</summary>
    (double Score, string Representation) Score(Fingerprint fingerprint, SuspectOutput answers);
}
