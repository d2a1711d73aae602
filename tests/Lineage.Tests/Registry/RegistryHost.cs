using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Lineage.Registry.Api;
using Lineage.Registry.Security;
using Microsoft.Extensions.Logging;

namespace Lineage.Tests.Registry;

/// <summary>
/// A registry server on 127.0.0.1 (a free port) over a temporary data directory, with an operator key, and every log
/// line it writes kept (to check that no key is ever logged). Private suspects are allowed unless a test says not.
/// </summary>
public sealed class RegistryHost : IAsyncDisposable
{
    public const string AdminKey = "test-operator-key-0123456789abcdef";
    public string DataDirectory { get; }
    public RegistryServer Server { get; }
    public string Url { get; }
    /// <summary>Every line the server has logged so far, at every level.</summary>
    public ConcurrentQueue<string> Logs { get; }
    readonly bool ownsData;
    string? postgres;

    RegistryHost(string data, bool ownsData, RegistryServer server, string url, ConcurrentQueue<string> logs)
    {
        DataDirectory = data; this.ownsData = ownsData; Server = server; Url = url; Logs = logs;
    }

    /// <param name="databaseKind">"sqlite" (in the data directory) or "postgres" (a fresh database on the test server, dropped on dispose).</param>
    public static async Task<RegistryHost> Start(Func<RegistryOptions, RegistryOptions>? configure = null, string? dataDirectory = null, string databaseKind = "sqlite")
    {
        var data = dataDirectory ?? Directory.CreateTempSubdirectory("lineage-registry-").FullName;
        var database = TestPostgres.DatabaseFor(databaseKind);
        var options = new RegistryOptions
        {
            DataDirectory = data, Database = database, Port = 0, AdminKeyHash = ApiKeys.Hash(AdminKey), AllowPrivateSuspects = true,
            Worker = new Lineage.Registry.Jobs.WorkerOptions { IdlePoll = TimeSpan.FromMilliseconds(50) },
        };
        options = configure?.Invoke(options) ?? options;
        var logs = new ConcurrentQueue<string>();
        var server = RegistryServer.Create(options, b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new ListLoggerProvider(logs)));
        var url = await server.StartAsync();
        return new RegistryHost(data, dataDirectory is null, server, url, logs) { postgres = database };
    }

    public HttpClient Client(string? key)
    {
        var http = new HttpClient { BaseAddress = new Uri(Url + "/"), Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    /// <summary>Creates a tenant through the operator endpoint and returns a client holding its key.</summary>
    public async Task<(string Id, string Key, HttpClient Http)> Tenant(string name, int? rate = null, long? budget = null)
    {
        using var admin = Client(AdminKey);
        var body = JsonSerializer.Serialize(new { name, rate_per_minute = rate, query_budget = budget });
        var response = await admin.PostAsync("v1/tenants", new StringContent(body, Encoding.UTF8, "application/json"));
        var json = await Json(response, 201);
        var key = json.GetProperty("api_key").GetString()!;
        return (json.GetProperty("id").GetString()!, key, Client(key));
    }

    public static async Task<JsonElement> Json(HttpResponseMessage response, int expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expected, $"expected {expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The error line of a refusal, after checking its status.</summary>
    public static async Task<string> Error(HttpResponseMessage response, int expected)
        => (await Json(response, expected)).GetProperty("error").GetString()!;

    public static MultipartFormDataContent FingerprintForm(string path, string name, string version, string? sha256 = null, params (string Name, string Value)[] extra)
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(File.ReadAllBytes(path)), "file", Path.GetFileName(path) }, { new StringContent(name), "name" }, { new StringContent(version), "version" } };
        if (sha256 is not null) form.Add(new StringContent(sha256), "sha256");
        foreach (var (n, v) in extra) form.Add(new StringContent(v), n);
        return form;
    }

    public static MultipartFormDataContent SuspectForm(string path, object? options = null)
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(File.ReadAllBytes(path)), "suspect", Path.GetFileName(path) } };
        if (options is not null) form.Add(new StringContent(JsonSerializer.Serialize(options)), "options");
        return form;
    }

    public static async Task<string> Register(HttpClient http, string path, string name, string version = "1")
        => (await Json(await http.PostAsync("v1/models", FingerprintForm(path, name, version)), 201)).GetProperty("id").GetString()!;

    /// <summary>Waits for a scan to leave the queue and returns it as the result endpoint answers (200, 422...).</summary>
    public static async Task<(int Status, JsonElement Scan)> Result(HttpClient http, string scanId, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var response = await http.GetAsync($"v1/scans/{scanId}/result?wait=5");
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            if ((int)response.StatusCode != 202 || DateTime.UtcNow > deadline) return ((int)response.StatusCode, json);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        if (postgres is not null) TestPostgres.DropDatabase(postgres);
        if (ownsData) try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }

    sealed class ListLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string category) => new ListLogger(category, lines);
        public void Dispose() { }
    }

    sealed class ListLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel level) => true;
        public void Log<TState>(LogLevel level, EventId id, TState state, Exception? e, Func<TState, Exception?, string> format)
            => lines.Enqueue($"{level} {category}: {format(state, e)} {e}");
    }
}
