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
    public int MaxBatch { get; init; } = 1024;
    public long MaxRequestBytes { get; init; } = 256L * 1024 * 1024;
}

/// <summary>
/// Serves a classifier over the Open Inference Protocol v2 on 127.0.0.1 only — a stand-in for a deployed
/// prediction API, so remote verification can be tested and demonstrated end to end. Requests are handled
/// one at a time (models are not thread-safe and the point is fidelity, not throughput).
/// </summary>
public sealed class InferenceServer : IDisposable
{
    readonly HttpListener listener;
    readonly Func<Tensor, Tensor> logitsOfInput;
    readonly Preprocessing preprocessing;
    readonly InferenceServerOptions options;
    readonly Task loop;
    readonly ModelMetadata metadata;
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
        var ort = OnnxRuntimeClassifier.Open(path, preprocessing);
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
        }
    }

    async Task Serve()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            try { Handle(context); }
            catch (Exception e) when (e is HttpListenerException or IOException) { }   // the client went away
            finally { try { context.Response.Close(); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { } }
        }
    }

    void Handle(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url!.AbsolutePath.TrimEnd('/');
        var model = "/v2/models/" + options.Name;
        if (request.HttpMethod == "GET" && (path == "/v2/health/ready" || path == "/v2/health/live")) { Reply(context, 200, "{}"u8.ToArray()); return; }
        if (request.HttpMethod == "GET" && (path == model || path == model + "/ready")) { Reply(context, 200, path == model ? metadata.ToJson() : "{}"u8.ToArray()); return; }
        if (request.HttpMethod == "POST" && path == model + "/infer")
        {
            try { Reply(context, 200, Infer(request)); }
            catch (Exception e) when (e is InvalidDataException or ArgumentException) { Error(context, 400, e.Message); }
            return;
        }
        Error(context, 404, $"no route for {request.HttpMethod} {path}");
    }

    byte[] Infer(HttpListenerRequest request)
    {
        if (request.ContentLength64 > options.MaxRequestBytes) throw new InvalidDataException($"request over {options.MaxRequestBytes} bytes");
        var body = new MemoryStream();
        var chunk = new byte[81920]; int read;
        while ((read = request.InputStream.Read(chunk)) > 0)
        {
            if (body.Length + read > options.MaxRequestBytes) throw new InvalidDataException($"request over {options.MaxRequestBytes} bytes");
            body.Write(chunk, 0, read);
        }
        var inputs = OpenInferenceCodec.Tensors(body.ToArray(), "inputs", "request");
        var input = inputs[0];
        if (input.Datatype != "FP32") throw new InvalidDataException($"input {input.Name} is {input.Datatype}, expected FP32");
        int[] shape = [.. preprocessing.Shape];
        if (input.Shape.Length != 4 || !input.Shape[1..].Select(d => (int)d).SequenceEqual(shape))
            throw new InvalidDataException($"input shape [{string.Join(", ", input.Shape)}], expected [N, {string.Join(", ", shape)}]");
        int n = (int)input.Shape[0];
        if (n < 1 || n > options.MaxBatch) throw new InvalidDataException($"batch of {n} images, this server takes 1 to {options.MaxBatch}");
        var x = Tensor.FromArray(input.Data.Select(v => (float)v).ToArray(), [n, .. shape]);
        float[] logits;
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
        listener.Stop();
        listener.Close();
        loop.Wait(TimeSpan.FromSeconds(5));
        ownedRuntime?.Dispose();
    }
}
