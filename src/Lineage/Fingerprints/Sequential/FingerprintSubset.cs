namespace Lineage.Fingerprints;

/// <summary>A fingerprint cut down to some of its queries (rows), with the source's answers and expected labels for
/// them; parameters, artifacts and rules are kept. Used to score the answers a sequential test has so far.</summary>
public static class FingerprintSubset
{
    public static Fingerprint Of(Fingerprint fp, int[] rows) => new()
    {
        Method = fp.Method, FormatVersion = fp.FormatVersion, CreatedUtc = fp.CreatedUtc, SourceModelHash = fp.SourceModelHash,
        Parameters = fp.Parameters, Queries = fp.Queries.IndexSelect(0, rows), SourceOutput = fp.SourceOutput.Rows(rows),
        ExpectedLabels = fp.ExpectedLabels is int[] e ? rows.Select(r => e[r]).ToArray() : null,
        Artifacts = fp.Artifacts, Rules = fp.Rules, Preprocessing = fp.Preprocessing,
    };
}
