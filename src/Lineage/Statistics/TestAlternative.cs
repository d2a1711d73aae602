namespace Lineage.Statistics;

/// <summary>The alternative hypothesis of a two-sample test on means (same meaning as scipy's
/// <c>alternative</c> argument).</summary>
public enum TestAlternative
{
    /// <summary>The means differ.</summary>
    TwoSided,

    /// <summary>The first sample's mean is greater than the second's.</summary>
    Greater,

    /// <summary>The first sample's mean is less than the second's.</summary>
    Less,
}
