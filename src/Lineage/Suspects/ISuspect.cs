using Lineage.Engine;

namespace Lineage.Suspects;

/// <summary>
/// The black-box boundary: a suspect answers a batch of images and reveals nothing else.
/// Fingerprint methods see suspects only through this interface, so a black-box claim is true by
/// construction. Queries are NCHW images in [0, 1]; each suspect applies its own declared input
/// preprocessing (a model file's, or the one the fingerprint declares for files and APIs that carry none).
/// </summary>
public interface ISuspect
{
    /// <summary>A human-readable name (file name, URL) for reports.</summary>
    string Name { get; }
    /// <summary>The richest output this suspect reveals.</summary>
    OutputMode Mode { get; }
    int Classes { get; }
    /// <summary>Answers the queries; one call may cover any number of images.</summary>
    SuspectOutput Query(Tensor images);
}
