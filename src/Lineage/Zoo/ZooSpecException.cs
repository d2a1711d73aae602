namespace Lineage.Zoo;

/// <summary>A zoo spec that cannot be built: unknown names or parameters, a missing parent, a cycle, a chain whose
/// steps do not fit together. Always raised before any training, with the entry named.</summary>
public sealed class ZooSpecException(string message) : ArgumentException(message);
