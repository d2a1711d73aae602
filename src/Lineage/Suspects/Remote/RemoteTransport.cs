using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Lineage.Suspects.Remote;

/// <summary>
/// One HTTP exchange with a suspect API, made safe to run unattended: rate-limited, bounded in time
/// (the timeout covers headers and body) and size, retried with exponential backoff only where a retry
/// can help (5xx, timeouts, dropped connections), and logged. Every failure names the URL.
/// </summary>
public sealed class RemoteTransport : IDisposable
{
    readonly HttpClient client;
    readonly RemoteSuspectOptions options;
    readonly RateLimiter limiter;
    readonly QueryLog? log;
    readonly string? apiKey;

    public RemoteTransport(RemoteSuspectOptions options)
    {
        if (options.Timeout <= TimeSpan.Zero) throw new ArgumentException("the remote timeout must be positive");
        if (options.Retries < 0 || options.Retries > 10) throw new ArgumentException("retries must be between 0 and 10");
        if (options.MaxResponseBytes < 1) throw new ArgumentException("the response cap must be positive");
        this.options = options;
        if (options.ApiKeyEnvironmentVariable is { } variable)
        {
            apiKey = Environment.GetEnvironmentVariable(variable);
            // Say which variable is empty, never anything about its value.
            if (string.IsNullOrEmpty(apiKey)) throw new ArgumentException($"the API key variable {variable} is not set");
        }
        // The per-request token enforces the timeout; HttpClient's own would fire as a bare TaskCanceledException.
        client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = options.Timeout }) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        limiter = new RateLimiter(options.RequestsPerSecond);
        log = options.QueryLogPath is { } path ? new QueryLog(path) : null;
    }

    /// <summary>Sends the request (a JSON body for POST, none for GET) and returns the response body of a 2xx answer.
    /// Each attempt spends <paramref name="batchSize"/> images of <paramref name="budget"/> before it goes out; an
    /// attempt the budget cannot cover is not sent (<see cref="QueryBudgetExceededException"/>).</summary>
    public byte[] Send(HttpMethod method, string url, byte[]? body, int batchSize, QueryBudget? budget = null)
    {
        var delay = options.RetryDelay;
        string? previousError = null;
        for (int attempt = 1; ; attempt++)
        {
            bool last = attempt > options.Retries;
            if (budget != null && batchSize > 0) budget.Spend(batchSize, previousError == null ? null : $"retry {attempt - 1} after {previousError}");
            limiter.Wait();
            var started = DateTimeOffset.UtcNow;
            var watch = Stopwatch.StartNew();
            byte[]? response = null; int? status = null; string? error = null;
            try
            {
                (status, response) = Exchange(method, url, body);
                if (status is >= 200 and < 300) return response;
                error = $"HTTP {status}";
                if (status < 500 || last) throw new InvalidDataException($"{url}: the suspect answered HTTP {status}{Snippet(response)}");
            }
            catch (OperationCanceledException)
            {
                error = "timeout";
                if (last) throw new TimeoutException($"{url}: no complete answer within {options.Timeout.TotalSeconds:0.###} s ({attempt} attempt{(attempt == 1 ? "" : "s")})");
            }
            // HttpRequestException: no answer at all; IOException: the connection dropped mid-answer.
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                error = "connection failed";
                if (last) throw new IOException($"{url}: request failed after {attempt} attempt{(attempt == 1 ? "" : "s")}: {e.Message}", e);
            }
            catch (InvalidDataException e) when (error == null)
            {
                error = e.Message;
                throw;
            }
            finally
            {
                log?.Write(started, method.Method, url, batchSize, body, response, status, watch.Elapsed, attempt, error);
            }
            previousError = error;
            Thread.Sleep(delay);
            delay *= 2;
        }
    }

    (int Status, byte[] Body) Exchange(HttpMethod method, string url, byte[]? body)
    {
        using var cts = new CancellationTokenSource(options.Timeout);
        using var request = new HttpRequestMessage(method, url);
        if (body != null) request.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        if (apiKey != null)
        {
            if (options.ApiKeyHeader.Equals("Authorization", StringComparison.OrdinalIgnoreCase)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            else request.Headers.TryAddWithoutValidation(options.ApiKeyHeader, apiKey);
        }
        using var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        if (response.Content.Headers.ContentLength is long declared && declared > options.MaxResponseBytes)
            throw new InvalidDataException($"{url}: the answer is {declared} bytes, over the {options.MaxResponseBytes}-byte cap");
        using var stream = response.Content.ReadAsStream(cts.Token);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        // ReadAsync honours the token; a server that stalls mid-body still hits the timeout.
        while ((read = stream.ReadAsync(chunk, cts.Token).AsTask().GetAwaiter().GetResult()) > 0)
        {
            if (buffer.Length + read > options.MaxResponseBytes)
                throw new InvalidDataException($"{url}: the answer is over the {options.MaxResponseBytes}-byte cap");
            buffer.Write(chunk, 0, read);
        }
        return ((int)response.StatusCode, buffer.ToArray());
    }

    static string Snippet(byte[] body)
    {
        if (body.Length == 0) return "";
        var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200)).ReplaceLineEndings(" ");
        return $": {text}";
    }

    public void Dispose() => client.Dispose();
}
