namespace Lineage.Suspects;

/// <summary>
/// The images sent to one suspect, against an optional hard limit. An image is counted when the request
/// carrying it goes out, and it stays counted whether or not an answer comes back: a server that timed out
/// or answered 500 may still have seen (and logged) it, so a retry spends the budget again.
/// </summary>
public sealed class QueryBudget
{
    readonly string suspect;
    long sent;

    public QueryBudget(string suspect, long? limit)
    {
        if (limit < 0) throw new ArgumentException($"the query budget for {suspect} must be zero or more, not {limit}");
        this.suspect = suspect;
        Limit = limit;
    }

    public long? Limit { get; }
    public long Sent => Interlocked.Read(ref sent);

    /// <summary>Throws, before anything is sent, when <paramref name="images"/> more would pass the limit.</summary>
    public void Check(long images, string? why = null)
    {
        if (Limit is long b && Sent + images > b) throw new QueryBudgetExceededException(suspect, b, Sent, images, why);
    }

    /// <summary>Counts <paramref name="images"/> about to be sent, atomically with the limit check, so two
    /// threads cannot both take the last of the budget.</summary>
    public void Spend(long images, string? why = null)
    {
        while (true)
        {
            long before = Sent;
            if (Limit is long b && before + images > b) throw new QueryBudgetExceededException(suspect, b, before, images, why);
            if (Interlocked.CompareExchange(ref sent, before + images, before) == before) return;
        }
    }
}
