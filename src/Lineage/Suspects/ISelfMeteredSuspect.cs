namespace Lineage.Suspects;

/// <summary>A suspect that counts its own traffic against a <see cref="QueryBudget"/>, because it may send an
/// image more than once (a retried request) and only it knows how many went out.</summary>
public interface ISelfMeteredSuspect : ISuspect
{
    QueryBudget Budget { get; }
}
