namespace Lineage.Data;

/// <summary>Channel statistics of the shapes dataset, measured once (50,000 training images of seed 0
/// with <see cref="Dataset.ChannelStatistics"/>) and declared here so every model trained on it records
/// the same numbers. A test re-measures them and fails if the generator drifts.</summary>
internal static class ShapesStats
{
    public const float Mean28 = 0.2732f;
    public const float Std28 = 0.1862f;
    public static float[] Mean32 => [0.2746f, 0.2745f, 0.2741f];
    public static float[] Std32 => [0.1957f, 0.1956f, 0.1957f];
}
