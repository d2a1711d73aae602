namespace Lineage.Statistics;

/// <summary>The exact upper tail P[X ≥ k] of X ~ Binomial(n, p): the p-value of a rate-based fingerprint
/// (IPGuard, CAE, NaturalFinger) when a suspect agrees with the source on k of n queries and independent
/// models agree at rate p (DESIGN.md "Metrics": a binomial tail against the negatives' agreement rate).</summary>
/// <remarks>The p-value assumes queries agree independently of one another, which overstates the evidence
/// when queries are correlated; the empirical rank p-value (<see cref="EmpiricalPValue"/>) makes no such
/// assumption.</remarks>
public static class BinomialTail
{
    /// <summary>P[X ≥ <paramref name="k"/>] for X ~ Bin(<paramref name="n"/>, <paramref name="p"/>); 1 for k ≤ 0, 0 for k &gt; n.
    /// Underflows to 0 below about 1e-308; use <see cref="LogUpper"/> for smaller tails.</summary>
    public static double Upper(int k, int n, double p) => Math.Exp(LogUpper(k, n, p));

    /// <summary>ln P[X ≥ <paramref name="k"/>], summed exactly in log space; stable for n up to 10^7.</summary>
    /// <exception cref="ArgumentOutOfRangeException">n &lt; 0 or p outside [0, 1].</exception>
    public static double LogUpper(int k, int n, double p)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "The number of trials must be ≥ 0.");
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "The success probability must be in [0, 1].");
        if (k <= 0) return 0.0;
        if (k > n || p == 0) return double.NegativeInfinity;
        if (p == 1) return 0.0;

        double logP = Math.Log(p), logQ = SpecialFunctions.LogOnePlus(-p);
        double logOdds = logP - logQ;
        // Terms rise up to the mode ⌊(n+1)p⌋ and fall after it; past the mode the remainder is bounded by a
        // geometric series, so summing stops once it cannot change the total in double precision.
        long mode = (long)Math.Floor((n + 1.0) * p);
        double max = double.NegativeInfinity, scaledSum = 0; // total = exp(max) * scaledSum
        for (int i = k; i <= n; i++)
        {
            double term = LogProbabilityMass(i, n, p, logP, logQ);
            if (term > max)
            {
                scaledSum = scaledSum * Math.Exp(max - term) + 1.0;
                max = term;
            }
            else scaledSum += Math.Exp(term - max);

            if (i >= mode && i < n)
            {
                double ratio = Math.Exp(Math.Log((double)(n - i) / (i + 1)) + logOdds);
                if (ratio < 1 && term + Math.Log(ratio / (1 - ratio)) < max + Math.Log(scaledSum) - 40.0) break;
            }
        }
        return max + Math.Log(scaledSum);
    }

    /// <summary>ln P[X = x] by Loader's saddle-point form (Loader 2000, "Fast and accurate computation of
    /// binomial probabilities"; also R's dbinom): ln C(n, x) + x ln p + (n − x) ln q written as Stirling
    /// remainders and deviances, so the ~10^4-sized terms never cancel and each mass keeps ~1e-15 relative accuracy.</summary>
    static double LogProbabilityMass(int x, int n, double p, double logP, double logQ)
    {
        if (x == 0) return n * logQ;
        if (x == n) return n * logP;
        double np = n * p, nq = n * (1 - p);
        double lc = StirlingRemainder(n) - StirlingRemainder(x) - StirlingRemainder(n - x)
                    - Deviance(x, np) - Deviance(n - x, nq);
        double lf = Math.Log(2 * Math.PI) + Math.Log(x) + SpecialFunctions.LogOnePlus(-(double)x / n);
        return lc - 0.5 * lf;
    }

    /// <summary>Stirling's remainder for n = 1..15, where its series converges too slowly; computed at 40 digits
    /// with mpmath (loggamma(n+1) − (n+½)·log(n) + n − log(2π)/2). Index 0 is unused: x = 0 and x = n are handled apart.</summary>
    static readonly double[] SmallStirlingRemainders =
    [
        0.0,
        0.081061466795327258, 0.041340695955409294, 0.027677925684998339, 0.020790672103765093,
        0.016644691189821192, 0.013876128823070748, 0.01189670994589177, 0.010411265261972096,
        0.0092554621827127329, 0.0083305634333628713, 0.0075736754879518408, 0.0069428401072095299,
        0.0064089941880042071, 0.0059513701127588477, 0.0055547335519628014,
    ];

    /// <summary>ln(n!) − [(n + ½) ln n − n + ½ ln 2π], Stirling's remainder.</summary>
    static double StirlingRemainder(int n)
    {
        if (n <= 15) return SmallStirlingRemainders[n];
        double inv = 1.0 / n, inv2 = inv * inv;
        return inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 * (1.0 / 1680 - inv2 / 1188))));
    }

    /// <summary>x ln(x / m) + m − x, by a series when x ≈ m where the direct form would cancel.</summary>
    static double Deviance(double x, double m)
    {
        if (Math.Abs(x - m) < 0.1 * (x + m))
        {
            double v = (x - m) / (x + m);
            double sum = (x - m) * v, term = 2 * x * v, v2 = v * v;
            for (int j = 1; j < 1000; j++)
            {
                term *= v2;
                double next = sum + term / (2 * j + 1);
                if (next == sum) return next;
                sum = next;
            }
            return sum;
        }
        return x * Math.Log(x / m) + m - x;
    }
}
