namespace Lineage.Data;

/// <summary>Channel statistics of the shapes dataset, measured once (50,000 training images of seed 0
/// with <see cref="Dataset.ChannelStatistics"/>) and declared here so every model trained on it records
/// the same numbers. A test re-measures them and fails if the generator drifts.</summary>
internal static class ShapesStats
{
    public const float Mean28 = 0.2808f;
    public const float Std28 = 0.1907f;
    public static float[] Mean32 => [0.2819f, 0.2821f, 0.2815f];
    public static float[] Std32 => [0.2008f, 0.2007f, 0.2009f];
}
