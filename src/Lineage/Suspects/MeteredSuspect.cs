using Lineage.Engine;

namespace Lineage.Suspects;

/// <summary>Counts every image sent to a suspect and refuses, before sending, a query that would exceed
/// the hard budget. Verification and black-box attacks go through this, so "queries spent" is measured.
/// A self-metered suspect (a remote API, whose retries resend images) keeps the count itself, attempt by
/// attempt; this wrapper then reads that count, so what it reports is what went out on the wire.</summary>
public sealed class MeteredSuspect : ISuspect
{
    readonly ISuspect inner;
    readonly QueryBudget meter;
    readonly bool innerSpends;

    /// <param name="budget">Hard limit; for a self-metered suspect its own budget's limit applies as well.</param>
    public MeteredSuspect(ISuspect inner, long? budget = null)
    {
        this.inner = inner;
        if (inner is ISelfMeteredSuspect self)
        {
            if (budget is long b && self.Budget.Limit is long own && b != own)
                throw new ArgumentException($"{inner.Name} already has a query budget of {own}; a second budget of {b} would make the count ambiguous");
            if (budget is not null && self.Budget.Limit is null)
                throw new ArgumentException($"{inner.Name} meters its own requests; give it the budget of {budget} when it is opened");
            meter = self.Budget;
            innerSpends = true;
        }
        else meter = new QueryBudget(inner.Name, budget);
    }

    public string Name => inner.Name;
    public OutputMode Mode => inner.Mode;
    public int Classes => inner.Classes;
    /// <summary>Images sent so far, retries included.</summary>
    public long QueriesSpent => meter.Sent;
    public long? Budget => meter.Limit;

    public SuspectOutput Query(Tensor images)
    {
        int n = images.Shape[0];
        // Refuse a query that cannot fit even without retries before any of it goes out.
        meter.Check(n);
        if (!innerSpends) meter.Spend(n);
        var answer = inner.Query(images);
        if (answer.Count != n) throw new InvalidDataException($"{Name} answered {answer.Count} outputs for {n} queries");
        return answer;
    }
}
