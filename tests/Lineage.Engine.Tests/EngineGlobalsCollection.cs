namespace Lineage.Engine.Tests;

/// <summary>Tests that switch process-wide engine state (the GEMM micro-kernel, the implicit convolution
/// path) or measure the shared buffer pool run alone, after the parallel ones, so no other test sees
/// the switched state or rents buffers in the middle of a measurement.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EngineGlobalsCollection
{
    public const string Name = "Engine globals";
}
