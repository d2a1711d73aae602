using Lineage.Data;
using Lineage.Models;
using Lineage.Models.Training;

namespace Lineage.Attacks;

/// <summary>The families of model-stealing attacks the papers evaluate; reports group results by these.</summary>
public enum AttackCategory
{
    /// <summary>No attack: a model trained independently (a negative for fingerprinting).</summary>
    Independent,
    FineTuning,
    Pruning,
    /// <summary>Weight-space perturbation without new data: noise, quantisation.</summary>
    WeightPerturbation,
    Transfer,
    Extraction,
    AdversarialTraining,
    /// <summary>CAE's attacks designed against fingerprints: ensemble, prediction noise, true labels.</summary>
    Adaptive,
}

/// <summary>
/// A thief's way of deriving a model from a source model. <see cref="Run"/> returns a new model file
/// whose lineage names the attack, every parameter (defaults filled in, queries spent) and the seed;
/// the source is never modified.
/// </summary>
public interface IAttack
{
    string Name { get; }
    AttackCategory Category { get; }
    /// <summary>Every parameter with its value (defaults filled in), as recorded in the lineage.</summary>
    IReadOnlyDictionary<string, string> Parameters { get; }
    ModelFile Run(ModelFile source, AttackContext context);
}

/// <summary>What a thief has besides the source: their own data ([0,1] images with ground-truth labels,
/// e.g. the attacker half of a training set), a test set to measure the result on, optionally a transfer
/// set from another distribution (Knockoff Nets, transfer learning) with its test part, a seed, progress and
/// cancellation.</summary>
public sealed record AttackContext
{
    public required Dataset ThiefData { get; init; }
    public required Dataset Test { get; init; }
    public Dataset? TransferSet { get; init; }
    public Dataset? TransferTest { get; init; }
    public int Seed { get; init; }
    public IProgress<TrainingProgress>? Progress { get; init; }
    public CancellationToken Cancel { get; init; }
}
