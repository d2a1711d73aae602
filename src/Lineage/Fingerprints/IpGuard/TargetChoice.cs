namespace Lineage.Fingerprints.IpGuard;

/// <summary>How IPGuard picks the target class j of a boundary point.</summary>
public enum TargetChoice { Random, LeastLikely }
