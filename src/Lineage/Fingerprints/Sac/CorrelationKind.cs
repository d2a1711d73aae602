namespace Lineage.Fingerprints.Sac;

/// <summary>How two output vectors are correlated in SAC's matrix (SAC Eq. 1).</summary>
public enum CorrelationKind
{
    /// <summary>Cosine similarity, SAC Eq. 2.</summary>
    Cosine,
    /// <summary>Gaussian RBF on L2-normalised outputs, SAC Eq. 3.</summary>
    Rbf,
}
