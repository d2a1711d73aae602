namespace Lineage.Engine;

/// <summary>Turns graph recording off for a scope (inference, optimiser steps, evaluation).</summary>
public static class GradMode
{
    [ThreadStatic] static int disabledDepth;

    public static bool IsEnabled => disabledDepth == 0;

    /// <summary>Whether an op on these inputs records a graph node: recording is on and one of them needs a gradient.</summary>
    public static bool Records(params Tensor?[] inputs) => IsEnabled && inputs.Any(t => t?.RequiresGrad == true);

    /// <summary><c>using (GradMode.NoGrad()) { ... }</c> records no graph inside.</summary>
    public static IDisposable NoGrad() { disabledDepth++; return new Restore(); }

    sealed class Restore : IDisposable
    {
        bool done;
        public void Dispose() { if (!done) { done = true; disabledDepth--; } }
    }
}
