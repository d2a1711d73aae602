using System.Text.Json.Serialization;

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

    /// <summary>The member architectures of an ensemble (<see cref="EnsembleClassifier"/>); null for every other
    /// architecture and then left out of the JSON, so single models' specs and hashes are unchanged.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<ArchitectureSpec>? Members { get; init; }

    public int Scale(int channels) => Math.Max(1, (int)MathF.Round(channels * Width));

    public ArchitectureSpec Copy() => new() { Name = Name, InChannels = InChannels, ImageSize = ImageSize, Classes = Classes, Width = Width, Members = Members?.Select(m => m.Copy()).ToList() };

    public override string ToString() => $"{Name}({InChannels}x{ImageSize}x{ImageSize} -> {Classes}, width {Width:0.##})";
}
