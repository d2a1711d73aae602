using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lineage.Engine.Tests;

/// <summary>
/// A theory about the implicit-GEMM convolution, which the engine runs only on CPUs with AVX2 and FMA (every AVX-512 CPU
/// has both; elsewhere every convolution takes the im2col path, and comparing the two would compare im2col with
/// itself). The same condition covers the tests that force the AVX2 tiles. xunit 2 has no dynamic skip, so the
/// attribute sets <see cref="FactAttribute.Skip"/> itself: on such a CPU the test shows as SKIPPED with the reason,
/// never as a silent pass.
/// </summary>
public sealed class ImplicitGemmTheoryAttribute : TheoryAttribute
{
    public ImplicitGemmTheoryAttribute() => Skip = ImplicitGemmFactAttribute.SkipReason;
}

/// <summary>A single test (no data) under the same condition as <see cref="ImplicitGemmTheoryAttribute"/>.</summary>
public sealed class ImplicitGemmFactAttribute : FactAttribute
{
    internal static string? SkipReason => Vector256.IsHardwareAccelerated && Fma.IsSupported ? null
        : "this CPU has no AVX2 with FMA, so the engine never takes the implicit-GEMM convolution this test checks";

    public ImplicitGemmFactAttribute() => Skip = SkipReason;
}
