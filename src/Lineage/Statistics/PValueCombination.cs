namespace Lineage.Statistics;

/// <summary>How several p-values for one hypothesis ("this suspect is independent of the source") become one.</summary>
public enum PValueCombiner
{
    /// <summary>K · min p (Bonferroni): valid under any dependence between the p-values.</summary>
    Bonferroni,
    /// <summary>The harmonic mean scaled by Vovk and Wang's constant a_K: valid under any dependence.</summary>
    HarmonicMean,
    /// <summary>Fisher's −2 Σ ln p against χ²(2K): exact only when the p-values are independent.</summary>
    Fisher,
}

/// <summary>
/// Combinations of K p-values of the same null hypothesis. Each input must be a valid p-value (P[p ≤ t] ≤ t under
/// the null); the output then is one too, under the assumption the combiner states: Bonferroni and the corrected
/// harmonic mean for any dependence between the inputs, Fisher only for independent inputs.
/// </summary>
public static class PValueCombination
{
    public static double Combine(PValueCombiner combiner, IReadOnlyList<double> pValues) => combiner switch
    {
        PValueCombiner.Bonferroni => Bonferroni(pValues),
        PValueCombiner.HarmonicMean => HarmonicMean(pValues),
        PValueCombiner.Fisher => Fisher(pValues),
        _ => throw new ArgumentOutOfRangeException(nameof(combiner), combiner, "unknown p-value combiner"),
    };

    /// <summary>Whether the combination stays valid when the inputs are dependent (methods reading one suspect are).</summary>
    public static bool ValidUnderDependence(PValueCombiner combiner) => combiner != PValueCombiner.Fisher;

    /// <summary>The command-line name: bonferroni, hmp or fisher.</summary>
    public static string Name(PValueCombiner combiner) => combiner switch
    {
        PValueCombiner.Bonferroni => "bonferroni",
        PValueCombiner.HarmonicMean => "hmp",
        _ => "fisher",
    };

    public static PValueCombiner Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "bonferroni" => PValueCombiner.Bonferroni,
        "hmp" or "harmonic" or "harmonic-mean" => PValueCombiner.HarmonicMean,
        "fisher" => PValueCombiner.Fisher,
        _ => throw new ArgumentException($"unknown p-value combination '{name}': expected bonferroni, hmp or fisher"),
    };

    /// <summary>The combination in words, for verdicts and reports.</summary>
    public static string Describe(PValueCombiner combiner, int count) => combiner switch
    {
        PValueCombiner.Bonferroni => $"Bonferroni: {count} × the smallest p-value (valid under any dependence between methods)",
        PValueCombiner.HarmonicMean => FormattableString.Invariant(
            $"harmonic mean of the {count} p-values × {HarmonicMeanConstant(count):0.###} (Vovk & Wang 2020; valid under any dependence between methods)"),
        _ => $"Fisher: −2 Σ ln p against χ² with {2 * count} degrees of freedom (assumes the {count} methods' p-values are independent)",
    };

    /// <summary>min(1, K · min p).</summary>
    public static double Bonferroni(IReadOnlyList<double> pValues)
    {
        Require(pValues);
        return Math.Min(1.0, pValues.Count * pValues.Min());
    }

    /// <summary>Fisher's method: X = −2 Σ ln p ~ χ²(2K) for independent uniform p; the tail of χ² with an even number
    /// of degrees of freedom is a finite Poisson sum, P[χ²(2K) ≥ x] = e^{−x/2} Σ_{i&lt;K} (x/2)^i / i!, summed in logs.</summary>
    public static double Fisher(IReadOnlyList<double> pValues)
    {
        Require(pValues);
        if (pValues.Any(p => p == 0)) return 0;
        double half = -pValues.Sum(Math.Log);   // x / 2
        if (half == 0) return 1;
        double maxLog = double.NegativeInfinity;
        var logs = new double[pValues.Count];
        for (int i = 0; i < logs.Length; i++)
        {
            logs[i] = i * Math.Log(half) - SpecialFunctions.LogGamma(i + 1);
            maxLog = Math.Max(maxLog, logs[i]);
        }
        double sum = logs.Sum(l => Math.Exp(l - maxLog));
        return Math.Min(1.0, Math.Exp(-half + maxLog + Math.Log(sum)));
    }

    /// <summary>min(1, a_K · K / Σ 1/p): the harmonic mean of the p-values times the smallest constant that keeps it a
    /// valid p-value under every dependence structure (Vovk & Wang, "Combining p-values via averaging", Biometrika 2020,
    /// the case r = −1). a_K grows like ln K, so it beats Bonferroni's K when many methods agree.</summary>
    public static double HarmonicMean(IReadOnlyList<double> pValues)
    {
        Require(pValues);
        if (pValues.Any(p => p == 0)) return 0;
        double harmonic = pValues.Count / pValues.Sum(p => 1.0 / p);
        return Math.Min(1.0, HarmonicMeanConstant(pValues.Count) * harmonic);
    }

    /// <summary>a_K = (y_K + K)² / ((y_K + 1) K), y_K the positive root of y² = K((y + 1) ln(y + 1) − y) (Vovk & Wang 2020);
    /// 1 for K = 1 and 2 for K = 2, where the equation has no positive root.</summary>
    public static double HarmonicMeanConstant(int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "need at least one p-value");
        if (count <= 2) return count;
        double K = count;
        // g(y) = K((y+1)ln(y+1) − y) − y² is positive just above 0 (g ≈ (K/2 − 1) y²) and negative for large y.
        double G(double y) => K * ((y + 1) * Math.Log(1 + y) - y) - y * y;
        double lo = 1e-9, hi = 1.0;
        while (G(hi) > 0) hi *= 2;
        for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (G(mid) > 0) lo = mid; else hi = mid;
        }
        double y = 0.5 * (lo + hi);
        return (y + K) * (y + K) / ((y + 1) * K);
    }

    static void Require(IReadOnlyList<double> pValues)
    {
        if (pValues is null || pValues.Count == 0) throw new ArgumentException("no p-values to combine");
        foreach (var p in pValues)
            if (!(p >= 0 && p <= 1)) throw new ArgumentException($"p-value {p} is outside [0, 1]");
    }
}
