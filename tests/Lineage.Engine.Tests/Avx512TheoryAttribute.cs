using System.Runtime.Intrinsics;

namespace Lineage.Engine.Tests;

/// <summary>
/// A theory about the implicit-GEMM convolution, which the engine runs only on CPUs with AVX-512 (elsewhere every
/// convolution takes the im2col path, and comparing the two would compare im2col with itself). xunit 2 has no dynamic
/// skip, so the attribute sets <see cref="FactAttribute.Skip"/> itself: on such a CPU the test shows as SKIPPED with
/// the reason, never as a silent pass.
/// </summary>
public sealed class Avx512TheoryAttribute : TheoryAttribute
{
    public Avx512TheoryAttribute()
    {
        if (!Vector512.IsHardwareAccelerated)
            Skip = "this CPU has no AVX-512, so the engine never takes the implicit-GEMM convolution this test checks";
    }
}
