namespace Lineage.Adversarial;

/// <summary>The ball an adversarial perturbation must stay in.</summary>
public enum PerturbationNorm { LInf, L2 }
