namespace Lineage.Kits;

/// <summary>What a kit model stands for: an innocent party's model trained independently on the owner's data
/// (<see cref="Reference"/>), or what a thief would make from the source (<see cref="Surrogate"/>).</summary>
public enum KitRole { Reference, Surrogate }
