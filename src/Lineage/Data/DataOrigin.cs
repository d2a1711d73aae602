namespace Lineage.Data;

/// <summary>Where a dataset's samples came from: the dataset name, which part (train/test), the split
/// applied on top (if any) and the files read (empty for generated data).</summary>
public sealed record DataOrigin(string Dataset, string Part, IReadOnlyList<string> Files, SplitSpec? Split = null)
{
    /// <summary>The stable description a model file records, e.g. <c>fashion-mnist/train/defender(seed=1)</c>.</summary>
    public string Description => Split?.ToString() ?? $"{Dataset}/{Part}";

    public DataOrigin WithSplit(string role, int seed, int? count = null) =>
        this with { Split = new SplitSpec(Description, role, seed, count) };

    public override string ToString() => Description;

    /// <summary>The dataset's catalog name, without the generator seed ("shapes(seed=2)") or subset tag ("name:tag")
    /// that <see cref="Dataset"/> may carry.</summary>
    public string DatasetName => Dataset.Split('(', ':')[0];
}
