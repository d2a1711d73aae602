using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Models;

namespace Lineage.Suspects.Remote;

/// <summary>What <see cref="InferenceServer"/> exposes and how.</summary>
public sealed record InferenceServerOptions
{
    public string Name { get; init; } = "model";
    /// <summary>0 picks a free port.</summary>
    public int Port { get; init; }
    /// <summary>What the API reveals; top-k and label mimic guarded APIs.</summary>
    public OutputMode Mode { get; init; } = OutputMode.Logits;
    public int TopK { get; init; } = 1;
    /// <summary>Accept [0,1] pixels and apply the model's preprocessing here, instead of normalised tensors.</summary>
    public bool RawPixels { get; init; }
    /// <summary>Most images in one request; more is answered 413.</summary>
    public int MaxBatch { get; init; } = 256;
    /// <summary>Most bytes in one request body; null derives it from <see cref="MaxBatch"/> (24 bytes of JSON
    /// per value, plus 64 KiB). A declared Content-Length over it is answered 413 before any byte is read, and
    /// a chunked body is cut off with 413 as soon as it passes it.</summary>
    public long? MaxRequestBytes { get; init; }
    /// <summary>Time allowed to receive one request body; a client that declares a large body and then stalls
    /// or drips is dropped (the connection closed) when it runs out.</summary>
    public TimeSpan BodyTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Requests handled at once (each may hold up to <see cref="MaxRequestBytes"/>); one more is
    /// answered 503 at once, so memory stays bounded by about this many bodies.</summary>
    public int MaxConcurrentRequests { get; init; } = 4;
}

/// <summary>
/// Serves a classifier over the Open Inference Protocol v2 on 127.0.0.1 only — a stand-in for a deployed
/// prediction API, so remote verification can be tested and demonstrated end to end. Requests are received
/// concurrently — one slow client cannot hold the others — with the body size, images per request, body
/// time and number of requests in flight all bounded (see <see cref="InferenceServerOptions"/>); the model
/// itself runs one batch at a time (models are not thread-safe).
/// </summary>
public sealed class InferenceServer : IDisposable
{
    readonly HttpListener listener;
    readonly Func<Tensor, Tensor> logitsOfInput;
    readonly Preprocessing preprocessing;
    readonly InferenceServerOptions options;
    readonly Task loop;
    readonly ModelMetadata metadata;
    readonly SemaphoreSlim slots;
    readonly Lock modelGate = new();
    readonly long maxRequestBytes;
    readonly CancellationTokenSource stopping = new();
    /// <summary>What the model runs on, when the server owns it (an ONNX Runtime session).</summary>
    IDisposable? ownedRuntime;

    public int Port { get; }
    public int Classes { get; }
    /// <summary>The model's Open Inference URL, e.g. http://127.0.0.1:PORT/v2/models/NAME.</summary>
    public string ModelUrl => $"http://127.0.0.1:{Port}/v2/models/{options.Name}";

    /// <param name="logitsOfInput">Maps the model's input (already normalised) to logits.</param>
    public InferenceServer(Func<Tensor, Tensor> logitsOfInput, int classes, Preprocessing preprocessing, InferenceServerOptions options)
    {
        if (options.Mode == OutputMode.TopK && (options.TopK < 1 || options.TopK > classes)) throw new ArgumentException($"top-k with k={options.TopK} for {classes} classes");
        if (string.IsNullOrWhiteSpace(options.Name) || options.Name.Contains('/')) throw new ArgumentException($"invalid model name \"{options.Name}\"");
        if (options.MaxBatch < 1) throw new ArgumentException($"the largest batch must be at least 1 image, not {options.MaxBatch}");
        if (options.MaxRequestBytes is < 1 or > int.MaxValue) throw new ArgumentException($"the request size limit must be between 1 byte and 2 GiB, not {options.MaxRequestBytes}");
        if (options.BodyTimeout <= TimeSpan.Zero) throw new ArgumentException("the request body timeout must be positive");
        if (options.MaxConcurrentRequests < 1) throw new ArgumentException($"at least one request must be allowed at a time, not {options.MaxConcurrentRequests}");
        maxRequestBytes = options.MaxRequestBytes ?? Math.Min((long)options.MaxBatch * preprocessing.Shape.Aggregate(1, (a, d) => a * d) * 24 + 65536, int.MaxValue);
        slots = new SemaphoreSlim(options.MaxConcurrentRequests);
        this.logitsOfInput = logitsOfInput; this.preprocessing = preprocessing; this.options = options; Classes = classes;
        metadata = new ModelMetadata(options.Name, [new TensorMetadata("input", "FP32", [-1, .. preprocessing.Shape.Select(d => (long)d)])], Outputs(), classes);
        (listener, Port) = Bind(options.Port);
        loop = Task.Run(Serve);
    }

    public static InferenceServer FromModelFile(ModelFile file, InferenceServerOptions options)
    {
        file.Model.Eval();
        return new InferenceServer(file.Model.Forward, file.Spec.Classes, file.Preprocessing, options);
    }

    /// <param name="runtime">What runs the model: ONNX Runtime (default) or the engine's importer.</param>
    public static InferenceServer FromOnnx(string path, Preprocessing preprocessing, InferenceServerOptions options, OnnxSuspectRuntime runtime = OnnxSuspectRuntime.OnnxRuntime)
    {
        if (runtime == OnnxSuspectRuntime.Engine)
        {
            var onnx = OnnxClassifier.Open(path, preprocessing);
            return new InferenceServer(onnx.Model.Forward, onnx.Classes, preprocessing, options);
        }
        // a server runs only ONNX Runtime: its threads may spin between requests as ONNX Runtime's default has them
        var ort = OnnxRuntimeClassifier.Open(path, preprocessing, spinning: true);
        try { return new InferenceServer(ort.Run, ort.Classes, preprocessing, options) { ownedRuntime = ort }; }
        catch { ort.Dispose(); throw; }
    }

    List<TensorMetadata> Outputs() => options.Mode switch
    {
        OutputMode.Logits => [new("logits", "FP32", [-1, Classes])],
        OutputMode.Probabilities => [new("probabilities", "FP32", [-1, Classes])],
        OutputMode.TopK => [new("classes", "INT64", [-1, options.TopK]), new("probabilities", "FP32", [-1, options.TopK])],
        _ => [new("label", "INT64", [-1])],
    };

    static (HttpListener, int) Bind(int port)
    {
        // HttpListener cannot bind port 0, so ask the OS for a free port and retry if another process takes it first.
        for (int attempt = 0; ; attempt++)
        {
            int p = port;
            if (p == 0)
            {
                var probe = new TcpListener(IPAddress.Loopback, 0);
                probe.Start(); p = ((IPEndPoint)probe.LocalEndpoint).Port; probe.Stop();
            }
            var l = new HttpListener();
            l.Prefixes.Add($"http://127.0.0.1:{p}/");
            try { l.Start(); return (l, p); }
            catch (HttpListenerException) when (port == 0 && attempt < 5) { l.Close(); }
            catch (HttpListenerException e)
            {
                l.Close();
                throw new IOException($"cannot serve on 127.0.0.1:{p}: {e.Message} (is another server using port {p}? --port 0 picks a free one)", e);
            }
        }
    }

    /// <summary>The body size limit in force (configured, or derived from the batch limit).</summary>
    public long MaxRequestBytes => maxRequestBytes;

    async Task Serve()
    {
        var inFlight = new List<Task>();
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { break; }
            inFlight.RemoveAll(t => t.IsCompleted);
            if (!slots.Wait(0))
            {
                // every slot is taken: say so at once rather than queue a body we would have to hold
                Finish(context, c => Error(c, 503, $"busy: {options.MaxConcurrentRequests} requests are in progress; retry later"));
                continue;
            }
            inFlight.Add(Task.Run(async () =>
            {
                try { await HandleAsync(context); }
                finally { slots.Release(); }
            }));
        }
        await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
    }

    static void Finish(HttpListenerContext context, Action<HttpListenerContext> respond)
    {
        try { respond(context); }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException) { }   // the client went away
        finally { try { context.Response.Close(); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { } }
    }

    async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url!.AbsolutePath.TrimEnd('/');
        var model = "/v2/models/" + options.Name;
        if (request.HttpMethod == "POST" && path == model + "/infer")
        {
            byte[]? body;
            try { body = await ReadBodyAsync(context); }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException) { Abort(context); return; }
            if (body == null) return;   // already answered 413, or dropped as too slow
            Finish(context, c =>
            {
                try { Reply(c, 200, Infer(body)); }
                catch (RequestTooLargeException e) { Error(c, 413, e.Message); }
                catch (Exception e) when (e is InvalidDataException or ArgumentException) { Error(c, 400, e.Message); }
                // the model failed on a valid request: the client hears why, and the server keeps serving
                catch (Exception e) when (e is not (OutOfMemoryException or HttpListenerException or IOException or ObjectDisposedException)) { Error(c, 500, $"the model failed: {e.Message}"); }
            });
            return;
        }
        Finish(context, c =>
        {
            if (request.HttpMethod == "GET" && (path == "/v2/health/ready" || path == "/v2/health/live")) Reply(c, 200, "{}"u8.ToArray());
            else if (request.HttpMethod == "GET" && (path == model || path == model + "/ready")) Reply(c, 200, path == model ? metadata.ToJson() : "{}"u8.ToArray());
            else Error(c, 404, $"no route for {request.HttpMethod} {path}");
        });
    }

    /// <summary>Reads the body within <see cref="InferenceServerOptions.BodyTimeout"/> and
    /// <see cref="MaxRequestBytes"/>; answers 413 itself, or drops a body that is too slow, and returns null in either case.</summary>
    async Task<byte[]?> ReadBodyAsync(HttpListenerContext context)
    {
        var request = context.Request;
        string tooLarge = $"the request body is over this server's {maxRequestBytes}-byte limit ({options.MaxBatch} images per request)";
        if (request.ContentLength64 > maxRequestBytes)
        {
            // refused before a byte of it is read; closing drops the rest of the upload
            Finish(context, c => Error(c, 413, tooLarge));
            return null;
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        deadline.CancelAfter(options.BodyTimeout);
        // grows with what actually arrives: a declared length is a promise, not memory to set aside
        var body = new MemoryStream((int)Math.Clamp(request.ContentLength64, 0, 1 << 20));
        var chunk = new byte[81920];
        while (true)
        {
            int read;
            try { read = await request.InputStream.ReadAsync(chunk).AsTask().WaitAsync(deadline.Token); }
            catch (OperationCanceledException)
            {
                // the pending read cannot be cancelled; aborting the connection ends it and frees the slot
                Abort(context);
                return null;
            }
            if (read == 0) return body.ToArray();
            if (body.Length + read > maxRequestBytes)
            {
                Finish(context, c => Error(c, 413, tooLarge));
                return null;
            }
            body.Write(chunk, 0, read);
        }
    }

    static void Abort(HttpListenerContext context)
    {
        try { context.Response.Abort(); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { }
    }

    byte[] Infer(byte[] body)
    {
        int[] shape = [.. preprocessing.Shape];
        int perImage = shape.Aggregate(1, (a, d) => a * d);
        var input = InferRequestReader.Read(body, (long)options.MaxBatch * perImage);
        if (input.Datatype != "FP32") throw new InvalidDataException($"input {input.Name} is {input.Datatype}, expected FP32");
        if (input.Shape.Length != 4 || !input.Shape[1..].Select(d => (int)d).SequenceEqual(shape))
            throw new InvalidDataException($"input shape [{string.Join(", ", input.Shape)}], expected [N, {string.Join(", ", shape)}]");
        int n = (int)input.Shape[0];
        if (n > options.MaxBatch) throw new RequestTooLargeException($"batch of {n} images; this server takes at most {options.MaxBatch} per request");
        if (n < 1) throw new InvalidDataException("a batch of 0 images");
        var x = Tensor.FromArray(input.Data.Select(v => (float)v).ToArray(), [n, .. shape]);
        float[] logits;
        lock (modelGate)
        using (GradMode.NoGrad())
        using (TensorScope.Begin())
        {
            var y = logitsOfInput(options.RawPixels ? preprocessing.Apply(x) : x);
            logits = y.Span.ToArray();
        }
        var answer = OutputReduction.Reveal(SuspectOutput.FromLogits(logits, n, Classes), options.Mode, options.TopK);
        var outputs = options.Mode switch
        {
            OutputMode.Logits or OutputMode.Probabilities => [new WireTensor(Outputs()[0].Name, [n, Classes], "FP32", answer.Values!.Select(v => (double)v).ToArray())],
            OutputMode.TopK => new[]
            {
                new WireTensor("classes", [n, answer.K], "INT64", answer.TopKClasses!.Select(c => (double)c).ToArray()),
                new WireTensor("probabilities", [n, answer.K], "FP32",
                    Enumerable.Range(0, n * answer.K).Select(i => (double)answer.Values![(i / answer.K) * Classes + answer.TopKClasses![i]]).ToArray()),
            },
            _ => [new WireTensor("label", [n], "INT64", answer.Labels.Select(l => (double)l).ToArray())],
        };
        return OpenInferenceCodec.InferResponse(options.Name, outputs);
    }

    static void Reply(HttpListenerContext context, int status, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = body.Length;
        context.Response.OutputStream.Write(body);
    }

    static void Error(HttpListenerContext context, int status, string message) =>
        Reply(context, status, JsonSerializer.SerializeToUtf8Bytes(new { error = message }));

    /// <summary>Blocks until the token is cancelled (the CLI passes Ctrl+C).</summary>
    public void RunUntil(CancellationToken token)
    {
        try { Task.Delay(Timeout.Infinite, token).Wait(CancellationToken.None); }
        catch (AggregateException e) when (e.InnerException is TaskCanceledException) { }
    }

    public void Dispose()
    {
        stopping.Cancel();
        // Close alone: on Linux, a Close() after Stop() re-binds the port to unregister it a second time, and throws
        // "Address already in use" if another process took the port after Stop().
        listener.Close();
        loop.Wait(TimeSpan.FromSeconds(5));
        ownedRuntime?.Dispose();
    }
}
