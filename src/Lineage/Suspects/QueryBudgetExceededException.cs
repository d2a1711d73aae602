namespace Lineage.Suspects;

/// <summary>Raised before a request would take a suspect past its hard budget; that request is not sent.
/// <see cref="Spent"/> is what was already sent, retries included.</summary>
public sealed class QueryBudgetExceededException(string suspect, long budget, long spent, long requested, string? why = null)
    : Exception($"query budget for {suspect} would be exceeded: {spent} of {budget} images already sent, {requested} more requested{(why == null ? "" : $" ({why})")}; they were not sent")
{
    public long Budget { get; } = budget;
    public long Spent { get; } = spent;
    public long Requested { get; } = requested;
}
