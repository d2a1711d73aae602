namespace Lineage.Engine.Tests;

/// <summary>Tests that read or change process-wide engine state (the buffer pool, the thread count)
/// run alone, after the parallel tests, so other tests cannot disturb what they measure.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalStateCollection
{
    public const string Name = "engine global state";
}
