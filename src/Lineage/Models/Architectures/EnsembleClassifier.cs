using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Models.Architectures;

/// <summary>
/// Several classifiers answering as one by average voting (CAE §6, the Ensemble attack): the output is the
/// log of the members' mean softmax, so its softmax is exactly the averaged probabilities and its argmax the
/// averaged vote. The member architectures live in <see cref="ArchitectureSpec.Members"/>, so a model file
/// rebuilds the ensemble like any other architecture; weights are named members.{i}.{member's own names}.
/// </summary>
public sealed class EnsembleClassifier : Classifier
{
    public const string ArchitectureName = "ensemble";

    readonly Classifier[] members;

    public EnsembleClassifier(ArchitectureSpec spec, Generator gen) : base(spec)
    {
        if (spec.Members is not { Count: > 0 }) throw new ArgumentException($"architecture {ArchitectureName} needs at least one member in its spec");
        foreach (var m in spec.Members)
        {
            if (m.Name == ArchitectureName) throw new ArgumentException("an ensemble member cannot itself be an ensemble");
            if (m.InChannels != spec.InChannels || m.ImageSize != spec.ImageSize || m.Classes != spec.Classes)
                throw new ArgumentException($"ensemble member {m} does not take the ensemble's input and classes ({spec.InChannels}x{spec.ImageSize}x{spec.ImageSize} -> {spec.Classes})");
        }
        members = spec.Members.Select(m => ArchitectureCatalog.Create(m, gen.Fork())).ToArray();
        var list = new MemberList();
        for (int i = 0; i < members.Length; i++) list.Add(i, members[i]);
        RegisterModule("members", list);
    }

    /// <summary>Builds an ensemble around already trained members (their weights are copied).</summary>
    public static EnsembleClassifier Of(IReadOnlyList<Classifier> trained)
    {
        if (trained.Count == 0) throw new ArgumentException("an ensemble needs at least one member");
        var first = trained[0].Spec;
        var spec = new ArchitectureSpec
        {
            Name = ArchitectureName, InChannels = first.InChannels, ImageSize = first.ImageSize, Classes = first.Classes,
            Members = trained.Select(m => m.Spec.Copy()).ToList(),
        };
        var ensemble = new EnsembleClassifier(spec, new Generator(0));
        for (int i = 0; i < trained.Count; i++) ensemble.members[i].LoadStateDict(trained[i].StateDict());
        return ensemble;
    }

    public IReadOnlyList<Classifier> Members => members;

    /// <summary>An ensemble has one head per member, so attacks that swap or freeze "the" head refuse it.</summary>
    public override string HeadPath => throw new NotSupportedException("an ensemble has one head per member, not a single head to fine-tune or replace");

    public override string? LastConvPath => null;

    public override Tensor Forward(Tensor input)
    {
        Tensor? sum = null;
        foreach (var m in members)
        {
            var p = Functional.Softmax(m.Forward(input), 1);
            sum = sum is null ? p : sum + p;
        }
        // the floor keeps log finite where every member gives a class zero probability
        return (sum! / members.Length).Clamp(1e-30f).Log();
    }

    sealed class MemberList : Module
    {
        public void Add(int index, Module member) => RegisterModule(index.ToString(System.Globalization.CultureInfo.InvariantCulture), member);
        public override Tensor Forward(Tensor input) => throw new NotSupportedException("the member list is a container; the ensemble runs its members");
    }
}
