using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Lineage.Registry.Jobs;

namespace Lineage.Registry.Client;

/// <summary>The registry's answer to a request it refused: the status and the server's one-line reason.</summary>
public sealed class RegistryClientException(HttpStatusCode status, string message) : IOException(message)
{
    public HttpStatusCode Status => status;
}

/// <summary>
/// A client of the registry's HTTP API, as `lineage registry scan` and `register` use it: the key goes in the
/// Authorization header and never into a message; a refusal becomes a <see cref="RegistryClientException"/> carrying
/// the server's reason.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    readonly HttpClient http;

    public RegistryClient(string server, string apiKey, TimeSpan? timeout = null)
    {
        if (!Uri.TryCreate(server.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"--server: '{server}' is not an http(s) URL");
        http = new HttpClient { BaseAddress = baseUri, Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary>Submits a scan of a local ONNX or Lineage model file, or of a URL; returns the scan as the server describes it.</summary>
    public JsonElement SubmitScan(string suspect, ScanRequest options)
    {
        HttpContent body;
        if (suspect.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || suspect.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            body = new StringContent(JsonSerializer.Serialize(options with { Url = suspect }, ScanRequest.Json), Encoding.UTF8, "application/json");
        else
        {
            if (!File.Exists(suspect)) throw new FileNotFoundException($"suspect {suspect} does not exist", suspect);
            var form = new MultipartFormDataContent();
            var file = new StreamContent(File.OpenRead(suspect));
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(file, "suspect", Path.GetFileName(suspect));
            form.Add(new StringContent(JsonSerializer.Serialize(options, ScanRequest.Json), Encoding.UTF8), "options");
            body = form;
        }
        using (body) return Send(HttpMethod.Post, "v1/scans", body);
    }

    /// <summary>Waits for a scan to finish (polling the long-poll result endpoint) and returns it; a failed scan throws with its reason.</summary>
    public JsonElement WaitForResult(string scanId, TimeSpan timeout, Action<string>? progress = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? last = null;
        while (true)
        {
            using var response = http.GetAsync($"v1/scans/{Uri.EscapeDataString(scanId)}/result?wait=20").GetAwaiter().GetResult();
            var scan = Read(response, allow: [HttpStatusCode.Accepted, HttpStatusCode.UnprocessableEntity]);
            var status = scan.GetProperty("status").GetString()!;
            if (status != last) { progress?.Invoke(status); last = status; }
            if (status == "done") return scan;
            if (status == "failed")
                throw new RegistryClientException(response.StatusCode, $"scan {scanId} failed ({scan.GetProperty("error_kind").GetString()}): {scan.GetProperty("error").GetString()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"scan {scanId} is still {status} after {timeout.TotalSeconds:0} s; ask again with GET /v1/scans/{scanId}");
        }
    }

    public JsonElement Register(string fingerprintPath, string name, string version)
    {
        if (!File.Exists(fingerprintPath)) throw new FileNotFoundException($"fingerprint file {fingerprintPath} does not exist", fingerprintPath);
        using var form = new MultipartFormDataContent();
        var bytes = File.ReadAllBytes(fingerprintPath);
        form.Add(new ByteArrayContent(bytes), "file", Path.GetFileName(fingerprintPath));
        form.Add(new StringContent(name), "name");
        form.Add(new StringContent(version), "version");
        form.Add(new StringContent(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))), "sha256");
        return Send(HttpMethod.Post, "v1/models", form);
    }

    public void DownloadEvidence(string scanId, string path)
    {
        using var response = http.GetAsync($"v1/scans/{Uri.EscapeDataString(scanId)}/evidence").GetAwaiter().GetResult();
        if (!response.IsSuccessStatusCode) Read(response, allow: []);
        using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        response.Content.CopyTo(target, null, CancellationToken.None);
    }

    JsonElement Send(HttpMethod method, string path, HttpContent? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body };
        using var response = http.Send(request);
        return Read(response, allow: []);
    }

    static JsonElement Read(HttpResponseMessage response, HttpStatusCode[] allow)
    {
        var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        JsonElement json;
        try { json = Api.Views.Parse(text); }
        catch (JsonException) { throw new RegistryClientException(response.StatusCode, $"the registry answered {(int)response.StatusCode} with a body that is not JSON"); }
        if (response.IsSuccessStatusCode || allow.Contains(response.StatusCode)) return json;
        var reason = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var e) ? e.GetString() : text;
        throw new RegistryClientException(response.StatusCode, $"the registry refused ({(int)response.StatusCode}): {reason}");
    }

    public void Dispose() => http.Dispose();
}
