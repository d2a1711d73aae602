using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>The source's stored answers and a suspect's answers, read into the same representation.</summary>
public sealed record Reading<TRepresentation>(TRepresentation Source, TRepresentation Suspect, string Representation);

/// <summary>How a method reads answers: a correlation matrix, hard labels, output vectors, an embedding.</summary>
public interface IAnswerReading<TRepresentation>
{
    /// <summary>The views of a suspect's answers this reading can use, the primary one first; each gets its own
    /// decision rule, because scores of different views live on different scales.</summary>
    IReadOnlyList<OutputView> Views(Fingerprint fingerprint);

    /// <summary>Reads both sides; throws <see cref="NotSupportedException"/> with the reason when the answers'
    /// mode cannot be read.</summary>
    Reading<TRepresentation> Read(Fingerprint fingerprint, SuspectOutput answers);
}
