using System.Net;
using System.Net.Sockets;

namespace Lineage.Cli.Tests;

/// <summary>Bad input through the CLI: exit code 2 and one line naming the file or setting, never a stack trace.
/// The hostile files are the issue-19 probe's cases in miniature.</summary>
public class ErrorPathTests(TinyModelsFixture models) : IClassFixture<TinyModelsFixture>
{
    readonly string dir = models.Dir.Path;

    CliResult Run(params string[] args) => LineageProcess.Run(dir, args);

    [Fact]
    public void MissingAndTruncatedModelFilesAreNamed()
    {
        CliAssert.RefusedInOneLine(Run("model", "info", "nowhere.safetensors"), "nowhere.safetensors");
        var truncated = models.Dir.File("truncated.safetensors");
        File.WriteAllBytes(truncated, File.ReadAllBytes(models.Source)[..300]);
        CliAssert.RefusedInOneLine(Run("model", "info", truncated), truncated);
        CliAssert.RefusedInOneLine(Run("verify", "-f", models.Fingerprint, "-s", truncated), truncated);
    }

    [Fact]
    public void KitBuildNamesABadReferencePart()
    {
        var result = Run("kit", "build", "--source", models.Source, "--data", "shapes", "--out", models.Dir.File("kit-bad-part"), "--reference-part", "thief");
        CliAssert.RefusedInOneLine(result, "--reference-part", "thief");
        Assert.False(Directory.Exists(models.Dir.File("kit-bad-part")));
    }

    [Fact]
    public void StealthNamesAMissingFingerprintAndABadSetting()
    {
        CliAssert.RefusedInOneLine(Run(["fingerprint", "stealth", "nowhere.fingerprint", .. TinyModelsFixture.Data, "--model", models.Source]), "nowhere.fingerprint");
        CliAssert.RefusedInOneLine(Run(["fingerprint", "stealth", models.Fingerprint, .. TinyModelsFixture.Data, "--model", models.Source, "--columns", "0"]), "--columns");
        CliAssert.RefusedInOneLine(Run(["fingerprint", "stealth", models.Fingerprint, .. TinyModelsFixture.Data, "--model", models.Source, "--epochs", "0"]), "epochs");
        CliAssert.RefusedInOneLine(Run(["fingerprint", "stealth", .. TinyModelsFixture.Data, "--model", models.Source]), "at least one fingerprint");
        CliAssert.RefusedInOneLine(Run(["fingerprint", "stealth", .. TinyModelsFixture.Data, "--model", models.Source, "--queries", "nameless.npy"]), "NAME=FILE.npy");
        var bright = models.Dir.File("too-bright.npy");
        Lineage.Data.Formats.NpyFile.Write(bright, Lineage.Data.Formats.NpyArray.FromFloat32(Enumerable.Repeat(255f, 28 * 28).ToArray(), 1, 1, 28, 28));
        CliAssert.RefusedInOneLine(Run(["fingerprint", "stealth", .. TinyModelsFixture.Data, "--model", models.Source, "--queries", $"bright={bright}"]), bright, "[0, 1]");
    }

    [Fact]
    public void InvalidUtf8InAModelOrFingerprintHeaderIsNamed()
    {
        var bad = models.Dir.File("bad-utf8.safetensors");
        HostileInputs.SafetensorsWithInvalidUtf8(bad);
        CliAssert.RefusedInOneLine(Run("model", "info", bad), bad, "UTF-8");
        CliAssert.RefusedInOneLine(Run("fingerprint", "inspect", bad), bad, "UTF-8");
    }

    [Fact]
    public void AModelPathLinkedToADeviceIsRefusedNotReadForever()
    {
        if (!File.Exists("/dev/zero")) return;   // no such device on this OS
        var link = models.Dir.File("zero.safetensors");
        if (!File.Exists(link)) File.CreateSymbolicLink(link, "/dev/zero");
        CliAssert.RefusedInOneLine(Run("model", "info", link), link, "not a regular file");
    }

    [Fact]
    public void AnyChangedByteOfAFingerprintIsRefusedByInspectAndVerify()
    {
        var bytes = File.ReadAllBytes(models.Fingerprint);
        var forged = models.Dir.File("forged.safetensors");
        bytes[^5] ^= 0x01;   // a bit of the last query image
        File.WriteAllBytes(forged, bytes);
        CliAssert.RefusedInOneLine(Run("fingerprint", "inspect", forged), forged, "hash");
        CliAssert.RefusedInOneLine(Run("verify", "-f", forged, "-s", models.Source), forged, "hash");
    }

    [Fact]
    public void DecompressionBombsStopAtTheDeclaredSize()
    {
        var mnist = models.Dir.File("bomb-mnist");
        HostileInputs.MnistWithGzipBomb(mnist);
        var images = Path.Combine(mnist, "train-images-idx3-ubyte.gz");
        CliAssert.RefusedInOneLine(Run("data", "info", "mnist", "--data-dir", mnist), images, "7840 bytes its header declares");
        CliAssert.RefusedInOneLine(Run("train", "--data", "mnist", "--data-dir", mnist, "--epochs", "1", "-o", "never.safetensors"), images);
        Assert.False(File.Exists(models.Dir.File("never.safetensors")));

        var npz = models.Dir.File("bomb.npz");
        HostileInputs.NpzBomb(npz);
        CliAssert.RefusedInOneLine(Run("data", "info", npz), npz + "!images.npy", "16 data bytes");
    }

    [Fact]
    public void ANpyHeaderLengthOfFourGigabytesIsNamed()
    {
        var npz = models.Dir.File("huge-header.npz");
        HostileInputs.NpzWithHugeNpyHeader(npz);
        CliAssert.RefusedInOneLine(Run("data", "info", npz), npz + "!images.npy", "4294967295-byte header");
    }

    [Fact]
    public void AnOnnxGraphWithoutOutputsIsNamed()
    {
        var onnx = models.Dir.File("no-outputs.onnx");
        HostileInputs.OnnxWithoutOutputs(onnx);
        foreach (var runtime in new[] { "engine", "onnxruntime" })
            CliAssert.RefusedInOneLine(Run("serve", onnx, "--data", "shapes", "--runtime", runtime, "--port", "0"), onnx, "outputs");
        CliAssert.RefusedInOneLine(Run("verify", "-f", models.Fingerprint, "-s", onnx), onnx, "outputs");
    }

    [Fact]
    public void ServeOnAPortInUseNamesThePort()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((IPEndPoint)taken.LocalEndpoint).Port;
            CliAssert.RefusedInOneLine(Run("serve", models.Source, "--port", port.ToString()), $"127.0.0.1:{port}");
        }
        finally { taken.Stop(); }
    }

    [Fact]
    public void BadSettingsAreNamed()
    {
        CliAssert.RefusedInOneLine(Run("verify", "-f", models.Fingerprint, "-s", models.Source, "--budget", "-1"), "--budget");
        var onnx = models.Dir.File("for-mean.onnx");
        HostileInputs.OnnxWithoutOutputs(onnx);
        CliAssert.RefusedInOneLine(Run("serve", onnx, "--mean", "1e999", "--std", "1", "--shape", "1,28,28"), "--mean", "1e999");
        CliAssert.RefusedInOneLine(Run("fingerprint", "create", "--method", "ipguard", "-p", "samples=3", "--model", models.Source, "-o", "x.safetensors"), "samples");
    }

    [Fact]
    public void AMalformedZooSpecIsNamed()
    {
        var spec = models.Dir.File("broken-spec.json");
        File.WriteAllText(spec, "{\"format\":\"lineage-zoo-spec/1\",\"models\":[");
        CliAssert.RefusedInOneLine(Run("zoo", "build", spec, "-o", models.Dir.File("zoo")), spec);
    }

    [Fact]
    public void AnUnreachableSuspectIsNamed()
    {
        // port 1 on the loopback: refused at once, with no retry to wait for
        const string url = "http://127.0.0.1:1/v2/models/m";
        CliAssert.RefusedInOneLine(Run("verify", "-f", models.Fingerprint, "-s", url, "--retries", "0"), url);
    }
}
