using Lineage.Zoo;

namespace Lineage.Tests.Zoo;

/// <summary>The smallest zoo that still has every role: shapes with a few hundred images, width 0.25, one epoch;
/// a source, two stolen models (fine-tuned, extracted into another architecture) and two independents. Each
/// build takes a second or two, so the zoo tests can build it several times.</summary>
public static class TinyZoo
{
    public const string Json = """
        {
          "format": "lineage-zoo-spec/1",
          "dataset": { "name": "shapes", "train_count": 400, "test_count": 100, "data_seed": 2 },
          "split_seed": 1,
          "defaults": {
            "train": { "arch": "cnn-c", "width": 0.25, "epochs": 1, "batch_size": 50 },
            "attack_params": { "epochs": 1, "batch_size": 50 }
          },
          "models": [
            { "id": "src", "role": "source", "chain": [ { "train": { "seed": 1 } } ] },
            { "id": "ftal", "role": "stolen", "parent": "src", "chain": [ { "attack": "ftal", "seed": 1 } ] },
            { "id": "extract", "role": "stolen", "parent": "src", "chain": [ { "attack": "extract-l", "params": { "arch": "lenet5", "width": 0.25 }, "seed": 2 } ] },
            { "id": "ind-a", "role": "independent", "chain": [ { "train": { "seed": 2 } } ] },
            { "id": "ind-b", "role": "independent", "chain": [ { "train": { "arch": "lenet5", "seed": 3 } } ] }
          ]
        }
        """;

    public static ZooPlan Plan() => ZooPlan.Create(ZooSpec.Parse(Json));

    /// <summary>A temporary zoo directory, deleted when disposed.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("lineage-zoo-").FullName;
        public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
    }
}
