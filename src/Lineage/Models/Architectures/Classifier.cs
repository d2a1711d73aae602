using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Models.Architectures;

/// <summary>
/// An image classifier from the zoo: a module plus the structural facts the thieves' attacks need —
/// where its classification head is (fine-tuning the last layer, transfer to a new label space)
/// and which convolution is its last (Fine-Pruning).
/// </summary>
public abstract class Classifier : Module
{
    public ArchitectureSpec Spec { get; }

    protected Classifier(ArchitectureSpec spec) { Spec = spec; }

    /// <summary>Dotted path of the final Linear layer (the head).</summary>
    public abstract string HeadPath { get; }

    /// <summary>Dotted path of the last Conv2d whose output channels Fine-Pruning ranks, or null for an MLP.</summary>
    public abstract string? LastConvPath { get; }

    public Linear Head => (Linear)GetModule(HeadPath);

    /// <summary>Replaces the head with a freshly initialised one for <paramref name="classes"/> classes (transfer learning).</summary>
    public void ReplaceHead(int classes, Generator gen)
    {
        var old = Head;
        ReplaceModule(HeadPath, new Linear(old.InFeatures, classes, gen, bias: old.Bias != null));
        Spec.Classes = classes;
    }
}
