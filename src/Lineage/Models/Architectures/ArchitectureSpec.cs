namespace Lineage.Models.Architectures;

/// <summary>What is needed to rebuild a classifier's structure: the name in <see cref="ArchitectureCatalog"/>,
/// the input it takes, its class count and its width multiplier.</summary>
public sealed class ArchitectureSpec
{
    public required string Name { get; init; }
    public required int InChannels { get; init; }
    public required int ImageSize { get; init; }
    public required int Classes { get; set; }
    /// <summary>Multiplies every layer's channel count (1 = the published width), to fit a CPU budget.</summary>
    public float Width { get; init; } = 1f;

    public int Scale(int channels) => Math.Max(1, (int)MathF.Round(channels * Width));

    public ArchitectureSpec Copy() => new() { Name = Name, InChannels = InChannels, ImageSize = ImageSize, Classes = Classes, Width = Width };

    public override string ToString() => $"{Name}({InChannels}x{ImageSize}x{ImageSize} -> {Classes}, width {Width:0.##})";
}
