namespace Lineage.Zoo;

/// <summary>A model declared in the spec, resolved: its own nodes (the last is the model itself), its role and
/// category, its parent's id and, for a stolen model, the id of the source it derives from.</summary>
public sealed class ZooEntry
{
    public required string Id { get; init; }
    public required int Index { get; init; }
    public required ZooRole Role { get; init; }
    public required string Category { get; init; }
    public string? SourceId { get; init; }
    public required IReadOnlyList<ZooNode> Nodes { get; init; }
    public ZooNode Final => Nodes[^1];
}
