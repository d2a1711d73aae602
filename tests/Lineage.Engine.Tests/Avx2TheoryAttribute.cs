using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lineage.Engine.Tests;

/// <summary>A theory that runs only where the CPU has AVX2 and FMA (the implicit-GEMM forward's Vector256 tiles);
/// AVX-512 machines have both, so it runs there too.</summary>
public sealed class Avx2TheoryAttribute : TheoryAttribute
{
    public Avx2TheoryAttribute()
    {
        if (!Vector256.IsHardwareAccelerated || !Fma.IsSupported)
            Skip = "this CPU has no AVX2 with FMA, so the engine never takes the Vector256 implicit-GEMM forward this test checks";
    }
}
