namespace Lineage.Tests.Statistics;

static class MetricAssert
{
    /// <summary>|actual − expected| ≤ relative·|expected| + absolute, with a message that shows both numbers.</summary>
    public static void Close(double expected, double actual, double relative, double absolute = 0, string? what = null)
    {
        double tolerance = relative * Math.Abs(expected) + absolute;
        Assert.True(Math.Abs(actual - expected) <= tolerance,
            $"{what ?? "value"}: expected {expected:R}, got {actual:R} (|diff| {Math.Abs(actual - expected):E3} > {tolerance:E3})");
    }
}
