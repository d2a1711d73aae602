using System.CommandLine;
using System.Globalization;
using Lineage.Data;
using Lineage.Models;
using Lineage.Suspects;
using Lineage.Suspects.Remote;

namespace Lineage.Cli.Commands;

/// <summary>`lineage serve`: expose a model over the Open Inference Protocol v2 on 127.0.0.1 until Ctrl+C,
/// to rehearse verifying a prediction API (label-only and top-k modes mimic guarded APIs).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "A Lineage model file or an ONNX file" };
        var port = new Option<int>("--port", "-p") { Description = "Port on 127.0.0.1 (0 picks a free one)", DefaultValueFactory = _ => 8000 };
        var mode = new Option<OutputMode>("--mode") { Description = "What the API reveals: logits, probabilities, topk or label", DefaultValueFactory = _ => OutputMode.Logits };
        var topK = new Option<int>("--top-k") { DefaultValueFactory = _ => 1 };
        var name = new Option<string>("--name") { Description = "Model name in the URL /v2/models/NAME", DefaultValueFactory = _ => "model" };
        var raw = new Option<bool>("--raw-pixels") { Description = "Take [0,1] pixels and normalise here (default: clients send normalised tensors)" };
        var data = new Option<string?>("--data") { Description = $"ONNX: the dataset whose preprocessing the model takes ({string.Join(", ", DatasetCatalog.Names)})" };
        var mean = new Option<string?>("--mean") { Description = "ONNX: per-channel means, comma-separated (with --std and --shape)" };
        var std = new Option<string?>("--std") { Description = "ONNX: per-channel standard deviations, comma-separated" };
        var shape = new Option<string?>("--shape") { Description = "ONNX: input shape C,H,W" };
        var defaults = new InferenceServerOptions();
        var maxBatch = new Option<int>("--max-batch") { Description = "Most images per request (more is answered 413)", DefaultValueFactory = _ => defaults.MaxBatch };
        var maxBytes = new Option<long?>("--max-request-bytes") { Description = "Most bytes per request body, refused with 413 before it is read (default: from --max-batch, 24 bytes per value + 64 KiB)" };
        var bodyTimeout = new Option<double>("--body-timeout") { Description = "Seconds allowed to receive a request body (slow uploads are dropped)", DefaultValueFactory = _ => defaults.BodyTimeout.TotalSeconds };
        var maxConcurrent = new Option<int>("--max-concurrent") { Description = "Requests handled at once (more are answered 503)", DefaultValueFactory = _ => defaults.MaxConcurrentRequests };
        var runtime = new Option<OnnxSuspectRuntime>("--runtime") { Description = "ONNX: what runs the model: onnxruntime or engine (the engine's importer)", DefaultValueFactory = _ => OnnxSuspectRuntime.OnnxRuntime };
        var cmd = new Command("serve", "Serve a model over the Open Inference Protocol v2 on 127.0.0.1 (Ctrl+C stops)");
        cmd.Arguments.Add(model);
        foreach (var o in new Option[] { port, mode, topK, name, raw, data, mean, std, shape, maxBatch, maxBytes, bodyTimeout, maxConcurrent, runtime }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var path = r.GetValue(model)!;
            if (!File.Exists(path)) throw new FileNotFoundException($"model {path} does not exist", path);
            if (!(r.GetValue(bodyTimeout) is > 0 and < 86400)) throw new ArgumentException($"--body-timeout must be a positive number of seconds, not {r.GetValue(bodyTimeout)}");
            var options = new InferenceServerOptions
            {
                Port = r.GetValue(port), Mode = r.GetValue(mode), TopK = r.GetValue(topK), Name = r.GetValue(name)!, RawPixels = r.GetValue(raw),
                MaxBatch = r.GetValue(maxBatch), MaxRequestBytes = r.GetValue(maxBytes),
                BodyTimeout = TimeSpan.FromSeconds(r.GetValue(bodyTimeout)), MaxConcurrentRequests = r.GetValue(maxConcurrent),
            };
            using var server = path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)
                ? InferenceServer.FromOnnx(path, OnnxPreprocessing(r.GetValue(data), r.GetValue(mean), r.GetValue(std), r.GetValue(shape)), options, r.GetValue(runtime))
                : InferenceServer.FromModelFile(ModelFile.Load(path), options);
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
            Console.WriteLine($"serving {Path.GetFileName(path)} ({options.Mode}, {server.Classes} classes) at {server.ModelUrl}");
            Console.WriteLine($"  POST {server.ModelUrl}/infer, GET http://127.0.0.1:{server.Port}/v2/health/ready; Ctrl+C stops");
            Console.WriteLine($"  limits: {options.MaxBatch} images and {server.MaxRequestBytes} bytes per request, {options.BodyTimeout.TotalSeconds:0.###} s per body, {options.MaxConcurrentRequests} requests at once");
            server.RunUntil(stop.Token);
            return 0;
        }));
        return cmd;
    }

    static Preprocessing OnnxPreprocessing(string? data, string? mean, string? std, string? shape)
    {
        if (data != null)
            return DatasetCatalog.Canonical(data) switch
            {
                DatasetCatalog.FashionMnist => Preprocessing.FashionMnist,
                DatasetCatalog.Mnist => Preprocessing.Mnist,
                DatasetCatalog.Cifar10 => Preprocessing.Cifar10,
                DatasetCatalog.Cifar100 => Preprocessing.Cifar100,
                DatasetCatalog.Shapes => Preprocessing.Shapes28,
                DatasetCatalog.Shapes32 => Preprocessing.Shapes32,
                _ => throw new ArgumentException($"unknown dataset {data}; known: {string.Join(", ", DatasetCatalog.Names)}"),
            };
        if (mean == null || std == null || shape == null)
            throw new ArgumentException("an ONNX model declares no preprocessing: give --data NAME, or --mean, --std and --shape");
        var sizes = Floats(shape, "--shape");
        if (sizes.Any(v => v != MathF.Round(v) || v < 1 || v > 65536)) throw new ArgumentException($"--shape {shape}: expected three positive integers C,H,W");
        var (means, stds) = (Floats(mean, "--mean"), Floats(std, "--std"));
        try { return new Preprocessing(means, stds, sizes.Select(v => (int)v).ToArray()); }
        catch (ArgumentException e) { throw new ArgumentException($"--mean/--std/--shape: {e.Message}", e); }
    }

    /// <summary>A comma-separated list of finite numbers; float.Parse alone turns 1e999 into infinity (and the
    /// preprocessing into NaN) and names nothing when a value is not a number.</summary>
    static float[] Floats(string list, string option) => list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Select(v => float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && float.IsFinite(f) ? f
            : throw new ArgumentException($"{option}: '{v}' is not a finite number")).ToArray();
}
