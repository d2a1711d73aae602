using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Models.Architectures;

/// <summary>
/// A classifier made in another framework (an imported ONNX graph) standing where a <see cref="ModelFile"/> is
/// expected, so that black-box attacks (extraction, distillation) can use it as their teacher: they only query it.
/// Its structure is unknown to Lineage, so it has no head or last convolution for white-box attacks, it cannot be a
/// student architecture, and a model file holding it is never saved.
/// </summary>
public sealed class ImportedClassifier : Classifier
{
    public const string ArchitectureName = "imported";

    readonly Module graph;

    public ImportedClassifier(Module graph, ArchitectureSpec spec) : base(spec)
    {
        this.graph = RegisterModule("graph", graph);
    }

    public override Tensor Forward(Tensor input) => graph.Forward(input);

    public override string HeadPath => throw NotWhiteBox("a classification head");
    public override string? LastConvPath => throw NotWhiteBox("a last convolution");

    static InvalidOperationException NotWhiteBox(string what)
        => new($"an imported model has no known structure ({what}); only black-box attacks (extraction, distillation) can use it as their source");
}
