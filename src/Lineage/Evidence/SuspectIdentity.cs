using System.Text;
using Lineage.Suspects;
using Lineage.Suspects.Remote;

namespace Lineage.Evidence;

/// <summary>Who was asked, for the record: a model file by its SHA-256; an API by its URL and the model metadata it
/// replied with before any query.</summary>
public static class SuspectIdentity
{
    public static SuspectRecord Of(string location, ISuspect suspect, string? modeBasis = null)
    {
        var inner = suspect is MeteredSuspect m ? m.Inner : suspect;
        bool remote = location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        return new SuspectRecord
        {
            Location = location,
            FileSha256 = remote ? null : EvidenceManifest.FileSha256(location),
            Url = remote ? location : null,
            MetadataReply = inner is RemoteSuspect { Metadata: { } metadata } ? Encoding.UTF8.GetString(metadata.ToJson()) : null,
            Mode = suspect.Mode.ToString().ToLowerInvariant(),
            ModeBasis = modeBasis,
            Classes = suspect.Classes,
        };
    }
}
