using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Lineage.Evidence;
using Lineage.Tests.Data;

namespace Lineage.Tests.Registry;

/// <summary>The registry's HTTP API end to end, on SQLite and on PostgreSQL when a server is configured: register, scan files and URLs, results and evidence, and
/// every kind of bad input answered with the right 4xx and a line that names the problem.</summary>
public class RegistryApiTests
{
    static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    [Theory, InlineData("sqlite"), PostgresData]
    public async Task ARegisteredSourceIsIdentifiedAmongOthersWithEvidenceThatChecks(string database)
    {
        using var dir = new TempDir();
        var signer = EvidenceKeys.Create(dir.File("registry.key"));
        await using var host = await RegistryHost.Start(o => o with { Worker = o.Worker with { SignKeyPath = signer.PrivatePath } }, databaseKind: database);
        var (_, _, http) = await host.Tenant("acme");
        var ids = new Dictionary<int, string>();
        foreach (var seed in new[] { 1, 2, 3 }) ids[seed] = await RegistryHost.Register(http, RegistryWorld.Fingerprint(seed, dir.Path), $"model-{seed}");

        var listed = await RegistryHost.Json(await http.GetAsync("v1/models"), 200);
        Assert.Equal(3, listed.GetArrayLength());
        var shown = await RegistryHost.Json(await http.GetAsync($"v1/models/{ids[2]}"), 200);
        Assert.Equal("model-2", shown.GetProperty("name").GetString());
        Assert.Equal(RegistryWorld.Model(2).Hash, shown.GetProperty("source_hash").GetString());
        Assert.Equal(30, shown.GetProperty("queries").GetInt64());
        var download = await http.GetByteArrayAsync($"v1/models/{ids[2]}/file");
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir.Path, "model2.sac-m.safetensors")), download);

        // a copy of model 2 as a Lineage file, and as ONNX; and a model nobody registered
        foreach (var (file, expected) in new[] { (RegistryWorld.SuspectFile(2, dir.Path), ids[2]), (RegistryWorld.SuspectFile(2, dir.Path, onnx: true), ids[2]), (RegistryWorld.SuspectFile(77, dir.Path), null) })
        {
            var submitted = await RegistryHost.Json(await http.PostAsync("v1/scans", RegistryHost.SuspectForm(file)), 202);
            var (status, scan) = await RegistryHost.Result(http, submitted.GetProperty("id").GetString()!);
            Assert.True(status == 200, scan.ToString());
            var result = scan.GetProperty("result");
            var ranking = result.GetProperty("ranking").EnumerateArray().ToList();
            Assert.Equal(3, ranking.Count);
            if (expected is null)
            {
                Assert.Empty(result.GetProperty("identified").EnumerateArray());
                Assert.All(ranking, r => Assert.NotEqual("stolen", r.GetProperty("verdict").GetString()));
            }
            else
            {
                Assert.Equal(expected, ranking[0].GetProperty("model_id").GetString());
                Assert.Equal("stolen", ranking[0].GetProperty("verdict").GetString());
                Assert.Equal([expected], result.GetProperty("identified").EnumerateArray().Select(e => e.GetString()));
                Assert.True(ranking[0].GetProperty("p_value").GetDouble() <= ranking[1].GetProperty("p_value").GetDouble());
                Assert.Equal(Math.Min(1, 3 * ranking[0].GetProperty("p_value").GetDouble()), ranking[0].GetProperty("p_value_across_models").GetDouble(), 12);
            }
            Assert.Equal(90, scan.GetProperty("queries_spent").GetInt64());

            // the evidence: one package per model, each of which checks and re-scores to the same verdict
            var zipPath = Path.Combine(dir.Path, $"{scan.GetProperty("id").GetString()}.zip");
            File.WriteAllBytes(zipPath, await http.GetByteArrayAsync($"v1/scans/{scan.GetProperty("id").GetString()}/evidence"));
            var unpacked = Path.Combine(dir.Path, "unpacked-" + scan.GetProperty("id").GetString());
            ZipFile.ExtractToDirectory(zipPath, unpacked);
            foreach (var row in ranking)
            {
                var check = EvidenceCheck.Run(Path.Combine(unpacked, row.GetProperty("model_id").GetString()!), signer.PublicPath);
                Assert.True(check.Holds, string.Join("\n", check.Problems));
                Assert.True(check.SignerKeyGiven);   // signed by the workers' --sign-key
                Assert.Equal(row.GetProperty("verdict").GetString(), check.Rescored!.Decision);
            }
            var report = await http.GetStringAsync($"v1/scans/{scan.GetProperty("id").GetString()}/evidence/{ranking[0].GetProperty("model_id").GetString()}/report.html");
            Assert.Contains("<svg", report);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"v1/models/{ids[3]}")).StatusCode);
        Assert.Equal(2, (await RegistryHost.Json(await http.GetAsync("v1/models"), 200)).GetArrayLength());
        Assert.Equal(3, (await RegistryHost.Json(await http.GetAsync("v1/scans"), 200)).GetArrayLength());
    }

    [Theory, InlineData("sqlite"), PostgresData]
    public async Task ARemoteSuspectIsScannedOverOpenInferenceAndLoopbackIsRefusedUnlessAllowed(string database)
    {
        using var dir = new TempDir();
        using var api = Lineage.Suspects.Remote.InferenceServer.FromModelFile(RegistryWorld.Model(5), new Lineage.Suspects.Remote.InferenceServerOptions { Port = 0, Mode = Lineage.Suspects.OutputMode.Probabilities });
        var fp = RegistryWorld.Fingerprint(5, dir.Path);
        await using (var host = await RegistryHost.Start(databaseKind: database))
        {
            var (_, _, http) = await host.Tenant("acme");
            var id = await RegistryHost.Register(http, fp, "five");
            var submitted = await RegistryHost.Json(await http.PostAsync("v1/scans", JsonBody(JsonSerializer.Serialize(new { url = api.ModelUrl, timeout_seconds = 10 }))), 202);
            var (status, scan) = await RegistryHost.Result(http, submitted.GetProperty("id").GetString()!);
            Assert.True(status == 200, scan.ToString());
            var top = scan.GetProperty("result").GetProperty("ranking")[0];
            Assert.Equal(id, top.GetProperty("model_id").GetString());
            Assert.Equal("stolen", top.GetProperty("verdict").GetString());
            Assert.Equal("probabilities", top.GetProperty("combined").GetProperty("suspect_mode").GetString());   // detected by the probe
            Assert.Equal(31, scan.GetProperty("queries_spent").GetInt64());                             // 30 queries and the probe
        }
        await using (var guarded = await RegistryHost.Start(o => o with { AllowPrivateSuspects = false }, databaseKind: database))
        {
            var (_, _, http) = await guarded.Tenant("acme");
            await RegistryHost.Register(http, fp, "five");
            foreach (var url in new[] { api.ModelUrl, "http://localhost:9/v2/models/m", "http://10.1.2.3/v2/models/m", "http://169.254.169.254/latest/meta-data", "http://[::1]:8080/v2/models/m" })
            {
                var error = await RegistryHost.Error(await http.PostAsync("v1/scans", JsonBody(JsonSerializer.Serialize(new { url }))), 400);
                Assert.Contains("private address", error);
            }
            Assert.Contains("not an http(s) URL", await RegistryHost.Error(await http.PostAsync("v1/scans", JsonBody("""{"url": "file:///etc/passwd"}""")), 400));
        }
    }

    [Theory, InlineData("sqlite"), PostgresData]
    public async Task BadInputGetsTheRightStatusAndALineNamingTheProblem(string database)
    {
        using var dir = new TempDir();
        await using var host = await RegistryHost.Start(o => o with { MaxFingerprintBytes = 64 << 10, MaxSuspectBytes = 256 << 10 }, databaseKind: database);
        var (_, key, http) = await host.Tenant("acme");
        var fp = RegistryWorld.Fingerprint(1, dir.Path);
        await RegistryHost.Register(http, fp, "one");

        // malformed JSON, unknown fields, wrong types
        Assert.StartsWith("malformed JSON", await RegistryHost.Error(await http.PostAsync("v1/scans", JsonBody("{\"url\": ")), 400));
        Assert.Equal("unknown field 'colour'", await RegistryHost.Error(await http.PostAsync("v1/scans", JsonBody("""{"url": "http://127.0.0.1:1/v2/models/m", "colour": "red"}""")), 400));
        Assert.Contains("timeout_seconds", await RegistryHost.Error(await http.PostAsync("v1/scans", JsonBody("""{"url": "http://127.0.0.1:1/v2/models/m", "timeout_seconds": -1}""")), 400));
        Assert.Contains("mode", await RegistryHost.Error(await http.PostAsync("v1/scans", JsonBody("""{"url": "http://127.0.0.1:1/v2/models/m", "mode": "vibes"}""")), 400));
        Assert.Contains("malformed JSON", await RegistryHost.Error(await http.PostAsync("v1/scans", JsonBody("""{"url": 5}""")), 400));
        Assert.Contains("unknown field 'extra'", await RegistryHost.Error(await http.PostAsync("v1/models", RegistryHost.FingerprintForm(fp, "x", "1", null, ("extra", "1"))), 400));
        Assert.Contains("unknown field 'foo'", await RegistryHost.Error(await http.PostAsync("v1/scans", RegistryHost.SuspectForm(RegistryWorld.SuspectFile(1, dir.Path), new { foo = 1 })), 400));
        Assert.Contains("multipart/form-data", await RegistryHost.Error(await http.PostAsync("v1/models", JsonBody("{}")), 415));
        Assert.Contains("models: model m_nope not found", await RegistryHost.Error(await http.PostAsync("v1/scans", RegistryHost.SuspectForm(RegistryWorld.SuspectFile(1, dir.Path), new { models = new[] { "m_nope" } })), 404));
        var notAModel = Path.Combine(dir.Path, "notes.txt");
        File.WriteAllText(notAModel, "not a model");
        Assert.Contains("must be an ONNX file (.onnx) or a Lineage model file", await RegistryHost.Error(await http.PostAsync("v1/scans", RegistryHost.SuspectForm(notAModel)), 400));

        // a fingerprint that fails its hash: one flipped byte in the content, or a declared SHA-256 that does not match
        var tampered = Path.Combine(dir.Path, "tampered.safetensors");
        var bytes = File.ReadAllBytes(fp);
        bytes[^5] ^= 0x01;
        File.WriteAllBytes(tampered, bytes);
        Assert.Contains("content hash mismatch", await RegistryHost.Error(await http.PostAsync("v1/models", RegistryHost.FingerprintForm(tampered, "t", "1")), 422));
        Assert.Contains("not the declared", await RegistryHost.Error(await http.PostAsync("v1/models", RegistryHost.FingerprintForm(fp, "t", "1", new string('0', 64))), 422));
        Assert.Contains("source_hash", await RegistryHost.Error(await http.PostAsync("v1/models", RegistryHost.FingerprintForm(fp, "t", "1", null, ("source_hash", "abc"))), 422));
        Assert.Contains("already registered", await RegistryHost.Error(await http.PostAsync("v1/models", RegistryHost.FingerprintForm(fp, "one", "1")), 409));
        Assert.Contains("name", await RegistryHost.Error(await http.PostAsync("v1/models", RegistryHost.FingerprintForm(fp, " ", "1")), 400));

        // oversized uploads: a fingerprint over 64 KiB, a suspect over 256 KiB
        var big = Path.Combine(dir.Path, "big.safetensors");
        File.WriteAllBytes(big, new byte[100 << 10]);
        Assert.Contains("at most", await RegistryHost.Error(await http.PostAsync("v1/models", RegistryHost.FingerprintForm(big, "big", "1")), 413));
        var bigSuspect = Path.Combine(dir.Path, "big.onnx");
        File.WriteAllBytes(bigSuspect, new byte[300 << 10]);
        Assert.Equal(413, (int)(await http.PostAsync("v1/scans", RegistryHost.SuspectForm(bigSuspect))).StatusCode);
        // a body that declares no length (chunked) is cut off when it passes the limit
        var chunked = new MultipartFormDataContent { { new StreamContent(new ChunkedStream(300 << 10)), "suspect", "big.onnx" } };
        chunked.Headers.ContentLength = null;
        var chunkedRequest = new HttpRequestMessage(HttpMethod.Post, "v1/scans") { Content = chunked };
        chunkedRequest.Headers.TransferEncodingChunked = true;
        Assert.Equal(413, (int)(await http.SendAsync(chunkedRequest)).StatusCode);

        // a suspect ONNX Runtime refuses fails its scan with the reason, and the server goes on
        var junk = Path.Combine(dir.Path, "junk.onnx");
        File.WriteAllBytes(junk, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        var junkScan = await RegistryHost.Json(await http.PostAsync("v1/scans", RegistryHost.SuspectForm(junk)), 202);
        var (junkStatus, junkResult) = await RegistryHost.Result(http, junkScan.GetProperty("id").GetString()!);
        Assert.True(junkStatus == 422, junkResult.ToString());
        Assert.Equal("bad_suspect", junkResult.GetProperty("error_kind").GetString());
        Assert.Contains("junk.onnx", junkResult.GetProperty("error").GetString());

        // wrong keys: none, unknown, an operator key at a tenant endpoint, a tenant key at an operator endpoint
        Assert.Contains("no API key", await RegistryHost.Error(await host.Client(null).GetAsync("v1/models"), 401));
        Assert.Equal("unknown API key", await RegistryHost.Error(await host.Client("lrk_wrong").GetAsync("v1/models"), 401));
        Assert.Contains("operator key", await RegistryHost.Error(await host.Client(RegistryHost.AdminKey).GetAsync("v1/models"), 403));
        Assert.Contains("cannot manage tenants", await RegistryHost.Error(await http.PostAsync("v1/tenants", JsonBody("""{"name": "evil"}""")), 403));
        Assert.Contains("unknown field 'admin'", await RegistryHost.Error(await host.Client(RegistryHost.AdminKey).PostAsync("v1/tenants", JsonBody("""{"name": "x", "admin": true}""")), 400));
        Assert.Contains("no endpoint", await RegistryHost.Error(await http.GetAsync("v1/nothing"), 404));
        Assert.Contains("limit", await RegistryHost.Error(await http.GetAsync("v1/scans?limit=abc"), 400));
        Assert.Contains("limit must lie in 1..1000", await RegistryHost.Error(await http.GetAsync("v1/scans?limit=0"), 400));
        Assert.Contains("wait must lie in 0..60", await RegistryHost.Error(await http.GetAsync("v1/scans/s_x/result?wait=600"), 400));
        Assert.Contains("field 'key'", await RegistryHost.Error(await http.PostAsync("dashboard/login", JsonBody("{}")), 415));

        // the server is still up and answering
        Assert.Equal(1, (await RegistryHost.Json(await http.GetAsync("v1/models"), 200)).GetArrayLength());
        Assert.DoesNotContain(host.Logs, line => line.Contains(key));
    }

    [Theory, InlineData("sqlite"), PostgresData]
    public async Task ASuspectThatTimesOutFailsItsScanWith422NamingTheTimeout(string database)
    {
        using var dir = new TempDir();
        // accepts connections and never answers
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        _ = Task.Run(async () => { try { while (true) held.Add(await silent.AcceptTcpClientAsync()); } catch (Exception) { } });
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;

        await using var host = await RegistryHost.Start(databaseKind: database);
        var (_, _, http) = await host.Tenant("acme");
        await RegistryHost.Register(http, RegistryWorld.Fingerprint(1, dir.Path), "one");
        var submitted = await RegistryHost.Json(await http.PostAsync("v1/scans", JsonBody($$"""{"url": "http://127.0.0.1:{{port}}/v2/models/m", "timeout_seconds": 0.5, "retries": 0}""")), 202);
        var (status, scan) = await RegistryHost.Result(http, submitted.GetProperty("id").GetString()!);
        Assert.Equal(422, status);
        Assert.Equal("suspect_timeout", scan.GetProperty("error_kind").GetString());
        Assert.Contains("within 0.5 s", scan.GetProperty("error").GetString());
        Assert.Contains("has no evidence", await RegistryHost.Error(await http.GetAsync($"v1/scans/{scan.GetProperty("id").GetString()}/evidence"), 409));
        foreach (var c in held) c.Dispose();
    }

    [Theory, InlineData("sqlite"), PostgresData]
    public async Task EachTenantHasARateLimitAndAQueryBudget(string database)
    {
        using var dir = new TempDir();
        await using var host = await RegistryHost.Start(databaseKind: database);
        var (_, _, limited) = await host.Tenant("slow", rate: 3);
        for (int i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await limited.GetAsync("v1/models")).StatusCode);
        var refused = await limited.GetAsync("v1/models");
        Assert.Contains("rate limit of 3 requests per minute", await RegistryHost.Error(refused, 429));
        Assert.True(refused.Headers.RetryAfter is not null);

        var (_, _, thrifty) = await host.Tenant("thrifty", budget: 40);
        await RegistryHost.Register(thrifty, RegistryWorld.Fingerprint(1, dir.Path), "one");
        var first = await RegistryHost.Json(await thrifty.PostAsync("v1/scans", RegistryHost.SuspectForm(RegistryWorld.SuspectFile(1, dir.Path))), 202);
        Assert.Equal(200, (await RegistryHost.Result(thrifty, first.GetProperty("id").GetString()!)).Status);
        var error = await RegistryHost.Error(await thrifty.PostAsync("v1/scans", RegistryHost.SuspectForm(RegistryWorld.SuspectFile(1, dir.Path))), 403);
        Assert.Contains("needs up to 30 queries but the tenant's query budget has 10 of 40 left", error);
        Assert.Equal(30, (await RegistryHost.Json(await thrifty.GetAsync("v1/tenant"), 200)).GetProperty("queries_used").GetInt64());
    }

    [Theory, InlineData("sqlite"), PostgresData]
    public async Task NoTenantReachesAnotherTenantsModelsScansOrEvidenceThroughAnyEndpoint(string database)
    {
        using var dir = new TempDir();
        await using var host = await RegistryHost.Start(databaseKind: database);
        var (aId, _, a) = await host.Tenant("alice");
        var (_, bKey, b) = await host.Tenant("bob");
        var model = await RegistryHost.Register(a, RegistryWorld.Fingerprint(1, dir.Path), "alice-model");
        var scanId = (await RegistryHost.Json(await a.PostAsync("v1/scans", RegistryHost.SuspectForm(RegistryWorld.SuspectFile(1, dir.Path))), 202)).GetProperty("id").GetString()!;
        Assert.Equal(200, (await RegistryHost.Result(a, scanId)).Status);

        // every endpoint that names an id answers 404 to bob, exactly as for an id that does not exist
        foreach (var (method, path) in new[]
        {
            ("GET", $"v1/models/{model}"), ("GET", $"v1/models/{model}/file"), ("DELETE", $"v1/models/{model}"),
            ("GET", $"v1/scans/{scanId}"), ("GET", $"v1/scans/{scanId}/result"), ("GET", $"v1/scans/{scanId}/evidence"),
            ("GET", $"v1/scans/{scanId}/evidence/{model}/report.html"), ("GET", $"dashboard/scans/{scanId}"),
            ("GET", $"dashboard/scans/{scanId}/evidence.zip"), ("GET", $"dashboard/scans/{scanId}/evidence/{model}/report.html"),
        })
        {
            var response = await b.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} answered bob {(int)response.StatusCode}");
        }
        // lists and the dashboard show bob nothing of alice's
        Assert.Equal(0, (await RegistryHost.Json(await b.GetAsync("v1/models"), 200)).GetArrayLength());
        Assert.Equal(0, (await RegistryHost.Json(await b.GetAsync("v1/scans"), 200)).GetArrayLength());
        var board = await b.GetStringAsync("dashboard");
        Assert.DoesNotContain("alice-model", board);
        Assert.DoesNotContain(scanId, board);
        // bob cannot scan against alice's model, nor with no models of his own
        Assert.Equal(404, (int)(await b.PostAsync("v1/scans", RegistryHost.SuspectForm(RegistryWorld.SuspectFile(1, dir.Path), new { models = new[] { model } }))).StatusCode);
        Assert.Contains("no registered models", await RegistryHost.Error(await b.PostAsync("v1/scans", RegistryHost.SuspectForm(RegistryWorld.SuspectFile(1, dir.Path))), 409));
        // nor with alice's model id in his own tenant's key creation
        Assert.Equal(403, (int)(await b.PostAsync($"v1/tenants/{aId}/keys", null)).StatusCode);
        // alice still has everything
        Assert.Equal(HttpStatusCode.OK, (await a.GetAsync($"v1/models/{model}")).StatusCode);
        Assert.DoesNotContain(host.Logs, line => line.Contains(bKey));
    }

    [Fact]
    public async Task TheServedOpenApiDocumentIsTheCommittedOne()
    {
        await using var host = await RegistryHost.Start();
        var served = await host.Client(null).GetStringAsync("openapi/v1.json");
        var doc = JsonDocument.Parse(served).RootElement;
        var paths = doc.GetProperty("paths");
        foreach (var path in new[] { "/v1/tenants", "/v1/models", "/v1/models/{id}", "/v1/scans", "/v1/scans/{id}/result", "/v1/scans/{id}/evidence" })
            Assert.True(paths.TryGetProperty(path, out _), $"the OpenAPI document lacks {path}");
        var committed = Path.Combine(RepositoryRoot(), "docs", "registry-openapi.json");
        var normalised = JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }) + "\n";
        if (Environment.GetEnvironmentVariable("LINEAGE_UPDATE_OPENAPI") == "1") File.WriteAllText(committed, normalised);
        Assert.True(File.Exists(committed) && File.ReadAllText(committed) == normalised,
            "docs/registry-openapi.json differs from the served document; regenerate it with LINEAGE_UPDATE_OPENAPI=1 dotnet test --filter TheServedOpenApiDocumentIsTheCommittedOne");
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Lineage.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("Lineage.slnx not found above the test binaries");
    }

    /// <summary>A stream of zeros of a given length that does not say its length (sent chunked).</summary>
    sealed class ChunkedStream(long length) : Stream
    {
        long position;
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, length - position);
            Array.Clear(buffer, offset, n);
            position += n;
            return n;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
