namespace Lineage.Suspects;

/// <summary>Raised before a query batch would take a suspect past its hard budget; nothing is sent.</summary>
public sealed class QueryBudgetExceededException(string suspect, long budget, long spent, long requested)
    : Exception($"query budget for {suspect} would be exceeded: {spent} of {budget} queries spent, {requested} more requested; nothing was sent")
{
    public long Budget { get; } = budget;
    public long Spent { get; } = spent;
    public long Requested { get; } = requested;
}
