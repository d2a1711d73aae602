using System.Collections.Concurrent;
using System.Text.Json;
using Lineage.Tests.Data;

namespace Lineage.Tests.Registry;

/// <summary>`lineage registry tenant create`, `register` and `scan` as a user runs them: separate processes, keys
/// from the environment, JSON out, exit code 2 and one line on a refusal.</summary>
public class RegistryCliTests
{
    static (int Code, string Output) Run(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var output = new ConcurrentQueue<string>();
        using var p = LineageProcess.Start(args, output, environment);
        Assert.True(p.WaitForExit(120_000), "lineage did not finish: " + string.Join("\n", output));
        p.WaitForExit();
        return (p.ExitCode, string.Join("\n", output));
    }

    [LineageProcessFact]
    public async Task TheClientRegistersAndScansAndSavesTheEvidence()
    {
        using var dir = new TempDir();
        var data = Path.Combine(dir.Path, "data");
        var (code, created) = Run(["registry", "tenant", "create", "acme", "--data", data, "--query-budget", "1000", "--json"]);
        Assert.True(code == 0, created);
        var key = JsonDocument.Parse(created).RootElement.GetProperty("api_key").GetString()!;
        var env = new Dictionary<string, string> { ["LINEAGE_REGISTRY_KEY"] = key };

        await using var host = await RegistryHost.Start(dataDirectory: data);
        var (rc, registered) = Run(["registry", "register", RegistryWorld.Fingerprint(4, dir.Path), "--server", host.Url, "--name", "four", "--version", "2", "--json"], env);
        Assert.True(rc == 0, registered);
        var modelId = JsonDocument.Parse(registered).RootElement.GetProperty("id").GetString();
        Run(["registry", "register", RegistryWorld.Fingerprint(6, dir.Path), "--server", host.Url, "--name", "six", "--version", "1"], env);

        var evidence = Path.Combine(dir.Path, "evidence.zip");
        var (sc, scanned) = Run(["registry", "scan", RegistryWorld.SuspectFile(4, dir.Path, onnx: true), "--server", host.Url, "--json", "--evidence", evidence], env);
        Assert.True(sc == 0, scanned);
        var scan = JsonDocument.Parse(scanned).RootElement;
        Assert.Equal("done", scan.GetProperty("status").GetString());
        Assert.Equal([modelId], scan.GetProperty("result").GetProperty("identified").EnumerateArray().Select(e => e.GetString()));
        Assert.True(new FileInfo(evidence).Length > 1000);

        var (tc, table) = Run(["registry", "scan", RegistryWorld.SuspectFile(4, dir.Path), "--server", host.Url], env);
        Assert.True(tc == 0, table);
        Assert.Contains("derived from 1 registered model", table);

        var (bad, refusal) = Run(["registry", "scan", RegistryWorld.SuspectFile(4, dir.Path), "--server", host.Url, "--key", "lrk_wrong"]);
        Assert.Equal(2, bad);
        Assert.Contains("error: the registry refused (401): unknown API key", refusal);
        Assert.DoesNotContain("   at ", refusal);
        var (none, missing) = Run(["registry", "scan", Path.Combine(dir.Path, "nothing.onnx"), "--server", host.Url], env);
        Assert.Equal(2, none);
        Assert.Contains("nothing.onnx does not exist", missing);
    }
}
