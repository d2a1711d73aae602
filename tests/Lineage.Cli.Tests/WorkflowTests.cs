using System.Text.Json;

namespace Lineage.Cli.Tests;

/// <summary>The README's loop run as a user runs it: data info, train, fingerprint create/inspect, verify against files
/// and over HTTP against lineage serve, with every --json output parsed and checked.</summary>
public class WorkflowTests(TinyModelsFixture models) : IClassFixture<TinyModelsFixture>
{
    static JsonElement Json(CliResult r) => TinyModelsFixture.Json(CliAssert.Succeeded(r));

    [Fact]
    public void DataInfoReportsTheBuiltInShapes()
    {
        using var dir = new CliTempDir();
        var info = Json(LineageProcess.Run(dir.Path, "data", "info", "shapes", "--train-count", "200", "--test-count", "50", "--json")).GetProperty("summary");
        Assert.Equal("shapes", info.GetProperty("name").GetString());
        Assert.Equal([1, 28, 28], info.GetProperty("imageShape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(200, info.GetProperty("counts").GetProperty("train").GetInt32());
        Assert.Equal(50, info.GetProperty("counts").GetProperty("test").GetInt32());
        var classes = info.GetProperty("classes").EnumerateArray().ToList();
        Assert.Equal(10, classes.Count);
        Assert.Equal(200, classes.Sum(c => c.GetProperty("counts").GetProperty("train").GetInt32()));
    }

    [Fact]
    public void OneEpochTrainWritesTheModelItReports()
    {
        var train = models.TrainJson;
        Assert.Equal(1, train.GetProperty("epochs").GetArrayLength());
        Assert.InRange(train.GetProperty("test_accuracy").GetDouble(), 0, 1);
        var info = Json(LineageProcess.Run(models.Dir.Path, "model", "info", models.Source, "--json"));
        Assert.Equal(train.GetProperty("hash").GetString(), info.GetProperty("hash").GetString());
        Assert.Equal("mlp", info.GetProperty("architecture").GetProperty("Name").GetString());
        Assert.Equal("train", info.GetProperty("lineage").GetProperty("Step").GetString());
        Assert.Equal("1", info.GetProperty("lineage").GetProperty("Parameters").GetProperty("epochs").GetString());
        Assert.Equal(1, info.GetProperty("lineage").GetProperty("Seed").GetInt32());
    }

    [Fact]
    public void FingerprintCreateInspectAndVerifyAgree()
    {
        var created = models.CreateJson;
        Assert.Equal("ipguard", created.GetProperty("method").GetString());
        Assert.Equal(20, created.GetProperty("queries").GetInt32());
        Assert.Equal(models.TrainJson.GetProperty("hash").GetString(), created.GetProperty("source_hash").GetString());

        var inspect = Json(LineageProcess.Run(models.Dir.Path, "fingerprint", "inspect", models.Fingerprint, "--json"));
        Assert.Equal("ipguard", inspect.GetProperty("method").GetString());
        Assert.Equal([20, 1, 28, 28], inspect.GetProperty("queries").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(created.GetProperty("source_hash").GetString(), inspect.GetProperty("source_hash").GetString());
        var rule = Assert.Single(inspect.GetProperty("rules").EnumerateArray());
        Assert.Equal(created.GetProperty("threshold").GetDouble(), rule.GetProperty("threshold").GetDouble());
        Assert.Equal(2, rule.GetProperty("null_scores").GetArrayLength());   // the two independent models it was calibrated on

        var verdicts = Json(LineageProcess.Run(models.Dir.Path, "verify", "-f", models.Fingerprint, "-s", models.Source, models.Independent1, "--json"))
            .EnumerateArray().ToList();
        Assert.Equal(2, verdicts.Count);
        var source = verdicts[0];
        Assert.Equal(Path.GetFileName(models.Source), Path.GetFileName(source.GetProperty("suspect").GetString()));
        // the source answers its own IPGuard points exactly as when they were made
        Assert.Equal(1.0, source.GetProperty("score").GetDouble());
        Assert.True(source.GetProperty("stolen").GetBoolean());
        Assert.Equal(20, source.GetProperty("queries").GetInt32());
        Assert.True(verdicts[1].GetProperty("score").GetDouble() < 1.0, "an independent model agreed on every fingerprint point");
    }

    /// <summary>`model info` on ONNX files: the file's SHA-256 (its identity everywhere), its inputs and outputs, and whether
    /// the engine's importer takes it as a white-box source; on a file the importer refuses, the reason, not a misreading
    /// of the file as a Lineage model file.</summary>
    [Fact]
    public void ModelInfoDescribesOnnxFiles()
    {
        var exported = Path.Combine(models.Dir.Path, "info-source.onnx");
        CliAssert.Succeeded(LineageProcess.Run(models.Dir.Path, "model", "export", models.Source, "-o", exported));
        var info = Json(LineageProcess.Run(models.Dir.Path, "model", "info", exported, "--json"));
        Assert.Equal("onnx", info.GetProperty("format").GetString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(exported))), info.GetProperty("hash").GetString());
        Assert.True(info.GetProperty("white_box_source").GetBoolean());
        Assert.Equal([-1, 1, 28, 28], info.GetProperty("inputs")[0].GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));

        var sine = Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx", "torch_sine_mlp.onnx");
        var refused = Json(LineageProcess.Run(models.Dir.Path, "model", "info", sine, "--json"));
        Assert.False(refused.GetProperty("white_box_source").GetBoolean());
        Assert.Contains("'Sin'", refused.GetProperty("importer_refused").GetString());
        var text = CliAssert.Succeeded(LineageProcess.Run(models.Dir.Path, "model", "info", sine)).Stdout;
        Assert.Contains("white-box      no", text);
    }

    /// <summary>A verdict table sent to a file is plain text: no colour codes, and each row and note on one line.</summary>
    [Fact]
    public void RedirectedVerdictTableIsPlainText()
    {
        var table = CliAssert.Succeeded(LineageProcess.Run(models.Dir.Path, "verify", "-f", models.Fingerprint, "-s", models.Source, models.Independent1));
        Assert.DoesNotContain('\u001b', table.Stdout);
        var lines = table.Stdout.Split('\n');
        Assert.Contains(lines, l => l.Contains(Path.GetFileName(models.Source), StringComparison.Ordinal) && l.Contains("ipguard", StringComparison.Ordinal) && l.Contains("stolen", StringComparison.Ordinal));
        // the calibration note is longer than 80 columns and stays one line
        Assert.Contains(lines, l => l.StartsWith("rule: ", StringComparison.Ordinal) && l.TrimEnd().Length > 80);
    }

    /// <summary>The evidence records the command as the user typed it, named `lineage`, not the host's path to
    /// lineage.dll (which would put the machine's install folder into a document meant for others).</summary>
    [Fact]
    public void EvidenceRecordsTheCommandAsTyped()
    {
        var folder = Path.Combine(models.Dir.Path, "evidence-command");
        CliAssert.Succeeded(LineageProcess.Run(models.Dir.Path, "verify", "-f", models.Fingerprint, "-s", models.Source, "--evidence", folder));
        var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "evidence.json"))).RootElement;
        Assert.Equal($"lineage verify -f {models.Fingerprint} -s {models.Source} --evidence {folder}", doc.GetProperty("command_line").GetString());
    }

    [Fact]
    public void ServeAndVerifyOverHttpMatchTheFileVerdict()
    {
        using var server = LineageProcess.Start(models.Dir.Path, line => line.StartsWith("serving ", StringComparison.Ordinal),
            "serve", models.Source, "--port", "0");
        var url = server.ReadyLine.Split(' ').Single(w => w.StartsWith("http://", StringComparison.Ordinal));
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/v2/models/model$", url);

        var local = Json(LineageProcess.Run(models.Dir.Path, "verify", "-f", models.Fingerprint, "-s", models.Source, "--json")).EnumerateArray().Single();
        var remote = Json(LineageProcess.Run(models.Dir.Path, "verify", "-f", models.Fingerprint, "-s", url, "--budget", "30", "--json")).EnumerateArray().Single();
        Assert.Equal(url, remote.GetProperty("suspect").GetString());
        Assert.Equal(local.GetProperty("score").GetDouble(), remote.GetProperty("score").GetDouble());
        Assert.Equal(local.GetProperty("verdict").GetString(), remote.GetProperty("verdict").GetString());
        Assert.InRange(remote.GetProperty("queries").GetInt32(), 20, 30);

        // a budget that cannot cover the fingerprint sends nothing more and says so in one line
        var refused = LineageProcess.Run(models.Dir.Path, "verify", "-f", models.Fingerprint, "-s", url, "--budget", "5");
        CliAssert.RefusedInOneLine(refused, url, "budget");
    }

    [Fact]
    public void StealthReportsEachFingerprintsDetectionRateAndDrawsItsPanel()
    {
        using var dir = new CliTempDir();
        var panel = dir.File("panel.png");
        // a query set of plain grey images beside the fingerprint, as `gan sample --npy` would write one
        var grey = dir.File("grey.npy");
        Lineage.Data.Formats.NpyFile.Write(grey, Lineage.Data.Formats.NpyArray.FromFloat32(Enumerable.Repeat(0.5f, 3 * 28 * 28).ToArray(), 3, 1, 28, 28));
        var r = Json(LineageProcess.Run(models.Dir.Path, ["fingerprint", "stealth", models.Fingerprint, models.Fingerprint, .. TinyModelsFixture.Data,
            "--queries", $"grey={grey}", "--model", models.Source, "--images", "60", "--epochs", "1", "--columns", "5", "--png", panel, "--json"]));
        Assert.Equal("shapes(seed=0)/train/attacker(seed=1)", r.GetProperty("thief_data").GetString());
        var held = r.GetProperty("detector").GetProperty("held_out");
        Assert.Equal(6, held.GetProperty("per_kind").GetInt32());
        foreach (var kind in new[] { "clean_flagged", "noisy_flagged", "fgsm_flagged", "accuracy" })
            Assert.InRange(held.GetProperty(kind).GetDouble(), 0, 1);
        var rows = r.GetProperty("fingerprints").EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal(["ipguard", "ipguard", "grey"], rows.Select(row => row.GetProperty("method").GetString()));
        Assert.Equal([20, 20, 3], rows.Select(row => row.GetProperty("queries").GetInt32()));
        Assert.Equal(grey, rows[2].GetProperty("file").GetString());
        Assert.Contains(rows[2].GetProperty("detection_rate").GetDouble(), new[] { 0.0, 1 / 3.0, 2 / 3.0, 1.0 });
        // the same file twice: one detector, so one rate
        Assert.Equal(rows[0].GetProperty("detection_rate").GetDouble(), rows[1].GetProperty("detection_rate").GetDouble());
        Assert.InRange(rows[0].GetProperty("detection_rate").GetDouble(), 0, 1);

        // a PNG of one row per fingerprint: 5 tiles of 56 px (28 px at scale 2) and 1 px gaps, read from its IHDR chunk
        var png = File.ReadAllBytes(panel);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(5 * 56 + 6, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(3 * 56 + 4, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    [Fact]
    public void TinyZooBuildsAndResumesFromItsCache()
    {
        using var dir = new CliTempDir();
        File.WriteAllText(dir.File("tiny.json"), """
            {
              "format": "lineage-zoo-spec/1",
              "dataset": { "name": "shapes", "train_count": 200, "test_count": 40, "data_seed": 0 },
              "split_seed": 1,
              "defaults": { "train": { "arch": "mlp", "epochs": 1, "batch_size": 32, "lr": 0.05 }, "attack_params": { "epochs": 1 } },
              "models": [
                { "id": "src", "role": "source", "chain": [ { "train": { "seed": 1 } } ] },
                { "id": "ftal-1", "role": "stolen", "parent": "src", "chain": [ { "attack": "ftal", "seed": 1 } ] },
                { "id": "ind-2", "role": "independent", "chain": [ { "train": { "seed": 2 } } ] }
              ]
            }
            """);
        var first = Json(LineageProcess.Run(dir.Path, "zoo", "build", "tiny.json", "-o", "zoo", "--json"));
        Assert.Equal(3, first.GetProperty("models").GetInt32());
        Assert.Equal(["src", "ftal-1", "ind-2"], first.GetProperty("built").EnumerateArray().Select(e => e.GetString()));
        Assert.True(File.Exists(dir.File("zoo/manifest.json")));
        Assert.Equal(3, Directory.GetFiles(dir.File("zoo/models"), "*.safetensors").Length);

        var again = Json(LineageProcess.Run(dir.Path, "zoo", "build", "tiny.json", "-o", "zoo", "--json"));
        Assert.Equal(0, again.GetProperty("built").GetArrayLength());
        Assert.Equal(3, again.GetProperty("cached").GetArrayLength());
        Assert.Equal(first.GetProperty("spec_hash").GetString(), again.GetProperty("spec_hash").GetString());
    }
}
