using Lineage.Data;
using Lineage.Models;
using Lineage.Suspects;

namespace Lineage.Attacks;

/// <summary>
/// The black-box view of a source model that extraction attacks get: a metered suspect revealing only
/// <see cref="OutputMode"/>. Attacks that hold an oracle never touch the source's weights, and the
/// queries they spend are counted for the lineage record.
/// </summary>
public sealed class SourceOracle
{
    readonly MeteredSuspect suspect;

    public SourceOracle(ModelFile source, OutputMode mode)
    {
        // the model file's own eval mode and preprocessing, as a deployed API would run it
        suspect = new MeteredSuspect(ModelSuspect.Of(source, "source", mode));
    }

    public long QueriesSpent => suspect.QueriesSpent;
    public int Classes => suspect.Classes;

    public SuspectOutput Query(Dataset data) => suspect.Query(data.AsTensor());

    public SuspectOutput Query(float[] images, int count, int[] imageShape) =>
        suspect.Query(Lineage.Engine.Tensor.FromArray(images, [count, .. imageShape]));

    /// <summary>The source's top-1 labels for every image of <paramref name="data"/>.</summary>
    public int[] Labels(Dataset data) => Query(data).Labels;
}
