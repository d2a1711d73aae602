using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Lineage.Evidence;
using Lineage.Registry.Jobs;
using Lineage.Registry.Storage;
using Lineage.Suspects.Remote;
using Lineage.Tests.Data;

namespace Lineage.Tests.Registry;

/// <summary>Real process kills (SIGKILL) of `lineage registry worker` mid-scan and of `lineage registry serve` mid-
/// registration: the scan is taken over and finished once; every acknowledged registration survives and nothing
/// half-written is left where it could be read.</summary>
public class RegistryKillTests
{
    [LineageProcessFact]
    public async Task AWorkerKilledMidScanLeavesTheScanToAnotherWorkerThatFinishesItOnce()
    {
        using var dir = new TempDir();
        var model = RegistryWorld.Model(3);
        model.Model.Eval();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        // the suspect holds its first answer until the test has killed the worker that asked
        using var api = new InferenceServer(x => { entered.Set(); release.Wait(TimeSpan.FromSeconds(60)); return model.Model.Forward(x); },
            model.Spec.Classes, model.Preprocessing, new InferenceServerOptions { Port = 0 });

        await using var host = await RegistryHost.Start(o => o with { Workers = 0 });
        var (tenantId, _, http) = await host.Tenant("acme");
        var modelId = await RegistryHost.Register(http, RegistryWorld.Fingerprint(3, dir.Path), "three");
        var body = JsonSerializer.Serialize(new { url = api.ModelUrl, mode = "logits", timeout_seconds = 60 });
        var scanId = (await RegistryHost.Json(await http.PostAsync("v1/scans", new StringContent(body, Encoding.UTF8, "application/json")), 202)).GetProperty("id").GetString()!;

        var output = new ConcurrentQueue<string>();
        using var worker = LineageProcess.Start(["registry", "worker", "--data", host.DataDirectory, "--lease", "2", "--allow-private-suspects"], output);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(60)), "the worker process never queried the suspect: " + string.Join("\n", output));
        var running = host.Server.Store.Scan(tenantId, scanId)!;
        Assert.Equal(ScanStatus.Running, running.Status);
        Assert.Contains($":{worker.Id}", running.LeaseOwner);
        LineageProcess.KillHard(worker);
        Assert.True(worker.HasExited);
        release.Set();

        // another worker takes the scan over once the dead one's lease has run out, and finishes it
        var takeover = new ScanWorker(host.Server.Store, host.Server.Content, new WorkerOptions { Lease = TimeSpan.FromSeconds(2), AllowPrivateSuspects = true, Name = "takeover" });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!takeover.RunOnce()) { Assert.True(DateTime.UtcNow < deadline, "the scan was never released"); Thread.Sleep(200); }
        Assert.False(takeover.RunOnce());   // nothing else is queued: the scan is not run a third time

        var (status, scan) = await RegistryHost.Result(http, scanId);
        Assert.Equal(200, status);
        Assert.Equal(2, scan.GetProperty("attempts").GetInt32());
        Assert.Equal([modelId], scan.GetProperty("result").GetProperty("identified").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(30, (await RegistryHost.Json(await http.GetAsync("v1/tenant"), 200)).GetProperty("queries_used").GetInt64());   // charged once
        var zip = Path.Combine(dir.Path, "evidence.zip");
        File.WriteAllBytes(zip, await http.GetByteArrayAsync($"v1/scans/{scanId}/evidence"));
        System.IO.Compression.ZipFile.ExtractToDirectory(zip, Path.Combine(dir.Path, "evidence"));
        Assert.True(EvidenceCheck.Run(Path.Combine(dir.Path, "evidence", modelId)).Holds);
        AssertObjectsWhole(host.DataDirectory);
    }

    [LineageProcessFact]
    public async Task AServerKilledDuringRegistrationsKeepsEveryAcknowledgedOneAndNoPartialFile()
    {
        using var dir = new TempDir();
        var data = Path.Combine(dir.Path, "data");
        var fingerprints = Enumerable.Range(1, 12).Select(seed => RegistryWorld.Fingerprint(seed, dir.Path)).ToList();
        var output = new ConcurrentQueue<string>();
        const string variable = "LINEAGE_TEST_OPERATOR_KEY";
        using var server = LineageProcess.Start(["registry", "serve", "--data", data, "--port", "0", "--admin-key-env", variable, "--workers", "0"], output,
            new Dictionary<string, string> { [variable] = RegistryHost.AdminKey });
        string? url = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (url is null)
        {
            url = output.FirstOrDefault(l => l.StartsWith("registry at ", StringComparison.Ordinal))?.Split(' ')[2];
            Assert.True(DateTime.UtcNow < deadline && !server.HasExited, "the server did not start: " + string.Join("\n", output));
            if (url is null) Thread.Sleep(100);
        }
        using var admin = new HttpClient { BaseAddress = new Uri(url + "/") };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", RegistryHost.AdminKey);
        var created = JsonDocument.Parse(await (await admin.PostAsync("v1/tenants", new StringContent("""{"name":"acme"}""", Encoding.UTF8, "application/json"))).Content.ReadAsStringAsync()).RootElement;
        var key = created.GetProperty("api_key").GetString()!;
        using var http = new HttpClient { BaseAddress = new Uri(url + "/") };
        http.DefaultRequestHeaders.Authorization = new("Bearer", key);

        // registrations in flight from four clients; the server is killed after the sixth acknowledgement
        var acknowledged = new ConcurrentBag<string>();
        var sent = 0;
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                int i = Interlocked.Increment(ref sent) - 1;
                if (i >= fingerprints.Count) return;
                try
                {
                    var response = await http.PostAsync("v1/models", RegistryHost.FingerprintForm(fingerprints[i], $"model-{i}", "1"));
                    if (response.StatusCode == HttpStatusCode.Created) acknowledged.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!);
                    if (acknowledged.Count >= 6 && !server.HasExited) LineageProcess.KillHard(server);
                }
                catch (HttpRequestException) { return; }   // the server is gone: this registration was never acknowledged
            }
        })).ToList();
        await Task.WhenAll(clients);
        if (!server.HasExited) LineageProcess.KillHard(server);
        Assert.True(acknowledged.Count >= 6);

        // a new server on the same data: every acknowledged registration is there, whole
        await using var restarted = await RegistryHost.Start(dataDirectory: data);
        using var after = restarted.Client(key);
        var listed = (await RegistryHost.Json(await after.GetAsync("v1/models"), 200)).EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToHashSet();
        Assert.Superset(acknowledged.ToHashSet(), listed);
        foreach (var id in acknowledged)
        {
            var bytes = await after.GetByteArrayAsync($"v1/models/{id}/file");
            Assert.Contains(fingerprints, f => File.ReadAllBytes(f).AsSpan().SequenceEqual(bytes));
        }
        AssertObjectsWhole(data);
        using var c = restarted.Server.Store.Database.Connect();
        Assert.Equal("ok", c.Scalar("PRAGMA integrity_check") as string);
    }

    /// <summary>Every object in the content store hashes to its name: no file was left half-written under a final name.</summary>
    static void AssertObjectsWhole(string data)
    {
        var store = new ContentStore(data);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(data, "objects"), "*", SearchOption.AllDirectories))
            store.Verified(Path.GetFileName(file));
    }
}
