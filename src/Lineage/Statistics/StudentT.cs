namespace Lineage.Statistics;

/// <summary>The Student t distribution with ν &gt; 0 degrees of freedom (ν need not be an integer, as the
/// Welch–Satterthwaite ν rarely is).</summary>
public static class StudentT
{
    /// <summary>P[T ≤ t].</summary>
    public static double Cdf(double t, double degreesOfFreedom) => Survival(-t, degreesOfFreedom);

    /// <summary>P[T &gt; t], computed directly in the tail rather than as 1 − Cdf so small p-values keep
    /// their relative precision.</summary>
    /// <remarks>P[T &gt; t] = ½ I_x(ν/2, ½) with x = ν/(ν + t²) for t ≥ 0 (Numerical Recipes §6.14); 1 − x is
    /// formed as t²/(ν + t²) so it does not cancel near t = 0.</remarks>
    public static double Survival(double t, double degreesOfFreedom)
    {
        if (!(degreesOfFreedom > 0) || double.IsPositiveInfinity(degreesOfFreedom))
            throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "Student t needs finite degrees of freedom > 0.");
        if (double.IsNaN(t)) throw new ArgumentException("t is NaN.", nameof(t));
        if (double.IsPositiveInfinity(t)) return 0;
        if (double.IsNegativeInfinity(t)) return 1;

        double t2 = t * t;
        double x = degreesOfFreedom / (degreesOfFreedom + t2);
        double y = t2 / (degreesOfFreedom + t2);
        double halfTwoSidedTail = 0.5 * SpecialFunctions.RegularizedIncompleteBeta(0.5 * degreesOfFreedom, 0.5, x, y);
        return t >= 0 ? halfTwoSidedTail : 1.0 - halfTwoSidedTail;
    }
}
