using System.Text.Json;

namespace Lineage.Cli.Tests;

/// <summary>Three one-epoch MLPs on 300 built-in shapes images and an IPGuard fingerprint of the first, made once
/// through the CLI for every test of the class (a few seconds in all).</summary>
public sealed class TinyModelsFixture : IDisposable
{
    public static readonly string[] Data = ["--data", "shapes", "--train-count", "300", "--test-count", "60"];

    public CliTempDir Dir { get; } = new();
    public string Source => Dir.File("source.safetensors");
    public string Independent1 => Dir.File("independent-1.safetensors");
    public string Independent2 => Dir.File("independent-2.safetensors");
    public string Fingerprint => Dir.File("fingerprint.safetensors");
    public JsonElement TrainJson { get; }
    public JsonElement CreateJson { get; }

    public TinyModelsFixture()
    {
        TrainJson = Json(Train(Source, seed: 1));
        Train(Independent1, seed: 2);
        Train(Independent2, seed: 3);
        CreateJson = Json(CliAssert.Succeeded(LineageProcess.Run(Dir.Path, ["fingerprint", "create", .. Data, "--method", "ipguard", "-p", "points=20",
            "--model", Source, "--independent", Independent1, Independent2, "-o", Fingerprint, "--json"])));
    }

    CliResult Train(string path, int seed) => CliAssert.Succeeded(LineageProcess.Run(Dir.Path,
        ["train", .. Data, "--arch", "mlp", "--epochs", "1", "--seed", seed.ToString(), "-o", path, "--json"]));

    public static JsonElement Json(CliResult r)
    {
        try { return JsonDocument.Parse(r.Stdout).RootElement.Clone(); }
        catch (JsonException e) { throw new Xunit.Sdk.XunitException($"stdout is not one JSON document ({e.Message})\n{r}"); }
    }

    public void Dispose() => Dir.Dispose();
}
