namespace Lineage.Engine;

/// <summary>
/// A cap on the values <see cref="Tensor.Persistent"/> may allocate on this thread while a budget is open. A file that
/// declares what to build before its content says how big it is (a model file names an architecture, then holds the
/// weights) opens a budget of what the file holds, so a forged architecture ("vgg16 at width 50": 10 GB of weights,
/// initialised at random for a minute) fails at its first oversized allocation instead of after it.
/// </summary>
public static class PersistentBudget
{
    [ThreadStatic] static Scope? current;

    /// <summary>Opens a budget of <paramref name="values"/> floats until the result is disposed; <paramref name="exceeded"/>
    /// makes the error from the number of values asked for in all.</summary>
    public static IDisposable Open(long values, Func<long, Exception> exceeded)
    {
        if (current != null) throw new InvalidOperationException("a persistent-allocation budget is already open on this thread");
        return current = new Scope(values, exceeded);
    }

    internal static void Take(long values)
    {
        if (current is not { } scope) return;
        scope.Asked += values;
        if (scope.Asked > scope.Limit) throw scope.Exceeded(scope.Asked);
    }

    sealed class Scope(long limit, Func<long, Exception> exceeded) : IDisposable
    {
        public long Limit { get; } = limit;
        public long Asked { get; set; }
        public Func<long, Exception> Exceeded { get; } = exceeded;
        public void Dispose() => current = null;
    }
}
