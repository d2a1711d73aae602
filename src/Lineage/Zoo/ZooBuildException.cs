namespace Lineage.Zoo;

/// <summary>One declared model a build could not make, and why.</summary>
public sealed record ZooBuildFailure(string Id, string Where, string Message);

/// <summary>
/// Some declared models failed while the others were built (a long build does not stop at the first model
/// that diverges). Everything finished is in the cache, so a rerun after fixing the spec builds only what
/// is missing. No manifest is written for an incomplete zoo.
/// </summary>
public sealed class ZooBuildException(IReadOnlyList<ZooBuildFailure> failures, int built)
    : Exception(Describe(failures, built))
{
    public IReadOnlyList<ZooBuildFailure> Failures { get; } = failures;

    static string Describe(IReadOnlyList<ZooBuildFailure> failures, int built)
        => $"{failures.Count} model(s) failed ({built} model file(s) written; they are reused by the next run, which builds only what is missing): "
           + string.Join("; ", failures.Select(f => $"{f.Id}: {f.Where}: {f.Message}"));
}
