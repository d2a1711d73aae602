using Lineage.Engine;

namespace Lineage.Suspects;

/// <summary>Counts every query sent to a suspect and refuses, before sending, a batch that would exceed
/// the hard budget. Verification and black-box attacks go through this, so "queries spent" is measured.</summary>
public sealed class MeteredSuspect(ISuspect inner, long? budget = null) : ISuspect
{
    long spent;

    public string Name => inner.Name;
    public OutputMode Mode => inner.Mode;
    public int Classes => inner.Classes;
    public long QueriesSpent => Interlocked.Read(ref spent);
    public long? Budget => budget;
    /// <summary>The suspect being metered (for its identity in evidence: a remote suspect's metadata).</summary>
    public ISuspect Inner => inner;

    public SuspectOutput Query(Tensor images)
    {
        int n = images.Shape[0];
        if (budget is long b && QueriesSpent + n > b) throw new QueryBudgetExceededException(Name, b, QueriesSpent, n);
        var answer = inner.Query(images);
        if (answer.Count != n) throw new InvalidDataException($"{Name} answered {answer.Count} outputs for {n} queries");
        Interlocked.Add(ref spent, n);
        return answer;
    }
}
