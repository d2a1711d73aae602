using System.CommandLine;
using Lineage.Data;

namespace Lineage.Cli.Commands;

/// <summary>
/// The data options every training, fingerprinting or attack command shares: <c>--data NAME</c>
/// (default: the built-in shapes set, so everything runs on a fresh machine), <c>--data-dir</c>,
/// <c>--data-seed</c>, <c>--train-count</c>/<c>--test-count</c> (shapes) and <c>--coarse</c> (CIFAR-100).
/// </summary>
internal sealed class DataOptions
{
    public Option<string> Data { get; } = new("--data")
    {
        Description = $"Dataset: {string.Join(", ", DatasetCatalog.Names)}",
        DefaultValueFactory = _ => DatasetCatalog.Shapes,
    };
    public Option<string?> DataDir { get; } = new("--data-dir")
    {
        Description = "Folder searched first for dataset files (then $LINEAGE_DATA, /usr/share/datasets, ~/.lineage/data)",
    };
    public Option<int> Seed { get; } = new("--data-seed") { Description = "Shapes: generator seed", DefaultValueFactory = _ => 0 };
    public Option<int> TrainCount { get; } = new("--train-count") { Description = "Shapes: number of training images", DefaultValueFactory = _ => ShapesDataset.DefaultTrainCount };
    public Option<int> TestCount { get; } = new("--test-count") { Description = "Shapes: number of test images", DefaultValueFactory = _ => ShapesDataset.DefaultTestCount };
    public Option<bool> Coarse { get; } = new("--coarse") { Description = "CIFAR-100: use the 20 coarse labels" };

    public DataOptions()
    {
        foreach (var count in new[] { TrainCount, TestCount })
            count.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int>() is var n and < 0) r.AddError($"{count.Name} must be zero or more, not {n}");
            });
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Data, DataDir, Seed, TrainCount, TestCount, Coarse }) command.Options.Add(option);
    }

    public DatasetLoadOptions LoadOptions(ParseResult result) => new()
    {
        DataDir = result.GetValue(DataDir),
        CoarseLabels = result.GetValue(Coarse),
        Seed = result.GetValue(Seed),
        TrainCount = result.GetValue(TrainCount),
        TestCount = result.GetValue(TestCount),
    };

    /// <summary>Loads the dataset named by --data; throws <see cref="DatasetNotFoundException"/> or
    /// <see cref="DataFormatException"/> with a message fit for the user.</summary>
    public DatasetPair Load(ParseResult result) => DatasetCatalog.Load(result.GetValue(Data)!, LoadOptions(result));
}
