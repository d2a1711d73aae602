namespace Lineage.Zoo;

/// <summary>What a model is for in an evaluation: the owner's model, a positive derived from it, or a negative.</summary>
public enum ZooRole { Source, Stolen, Independent }
