using Lineage.Suspects.Remote;

namespace Lineage.Fuzz;

/// <summary>What a remote suspect's answers go through in the client: the model metadata (the bytes before the first NUL,
/// when there is one), then output-format detection on the reply for 1 and 2 queries and the reply read in that format.</summary>
public static class OpenInferenceReplyHarness
{
    const string Source = "http://suspect/v2/models/m";

    public static void Run(byte[] bytes)
    {
        int nul = Array.IndexOf(bytes, (byte)0);
        var reply = nul < 0 ? bytes : bytes[(nul + 1)..];
        ModelMetadata? metadata = null;
        if (nul >= 0)
        {
            var metadataBytes = bytes[..nul];
            HarnessCatalog.Judge(Source, () => metadata = ModelMetadata.Parse(metadataBytes, Source));
        }
        foreach (int n in new[] { 1, 2 })
            HarnessCatalog.Judge(Source, () =>
            {
                var format = OutputFormatDetector.Detect(metadata, reply, n, metadata?.Classes, Source);
                format.Read(reply, n, metadata?.Classes ?? 10, Source);
            });
        HarnessCatalog.Judge(Source, () => OpenInferenceCodec.Tensors(reply, "outputs", Source));
    }
}
