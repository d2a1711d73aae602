namespace Lineage.Fingerprints;

/// <summary>The create side of a method (white-box, on the source): chooses the queries.</summary>
public interface IQuerySampler
{
    SampledQueries Sample(CreationContext context, MethodParameters parameters);
}
