using System.Diagnostics;
using System.Text.Json;
using Lineage.Engine;
using Lineage.Engine.Nn;
using Lineage.Engine.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Lineage.Bench;

/// <summary>
/// `--compare-onnxruntime`: inference of the reference CNN and ResNet-20 (batch 256, eval mode, no gradients) by
/// the engine, by ONNX Runtime on the engine's ONNX export of the same module, and by the engine's ONNX importer
/// on that export, in one process. Their rounds alternate (engine, ONNX Runtime, importer, engine, …), so a busy
/// spell on the shared machine falls on all three alike; each figure is the median of 5 rounds.
/// </summary>
public static class OnnxRuntimeComparison
{
    const int Batch = 256;

    public static void Run(int threads, double seconds, bool json)
    {
        var gen = new Generator(0);
        var res = new Dictionary<string, object>
        {
            ["engine"] = $"lineage {typeof(Tensor).Assembly.GetName().Version} (.NET {Environment.Version})",
            ["onnxruntime"] = OrtEnv.Instance().GetVersionString(),
            ["threads"] = threads,
            ["batch"] = Batch,
        };
        var cnn = Models.Cnn(gen);
        res["infer_cnn"] = Compare(cnn, [1, 28, 28], gen, threads, seconds);
        var resnet = new ResNet20(gen);
        res["infer_resnet20"] = Compare(resnet, [3, 32, 32], gen, threads, seconds);
        if (json) { Console.WriteLine(JsonSerializer.Serialize(res)); return; }
        foreach (var (k, v) in res) Console.WriteLine($"{k,-16} {JsonSerializer.Serialize(v)}");
    }

    static Dictionary<string, object> Compare(Module net, int[] inputShape, Generator gen, int threads, double seconds)
    {
        net.Eval();
        var onnx = OnnxExporter.ExportToBytes(net, inputShape);
        var x = Tensor.Rand(gen, [Batch, .. inputShape]).ClonePersistent();
        using var ort = new OnnxRuntimeRunner(onnx, x, threads);
        var imported = OnnxModel.Load(onnx, "export");

        float[] EngineOutput(Module m) { using var scope = TensorScope.Begin(); using var noGrad = GradMode.NoGrad(); return m.Forward(x).ToArray(); }

        var rates = InterleavedRates(seconds, Batch,
            () => { using var scope = TensorScope.Begin(); using var noGrad = GradMode.NoGrad(); net.Forward(x); },
            ort.Run,
            () => { using var scope = TensorScope.Begin(); using var noGrad = GradMode.NoGrad(); imported.Forward(x); });
        var reference = EngineOutput(net);
        return new Dictionary<string, object>
        {
            ["lineage_img_s"] = Math.Round(rates[0]),
            ["onnxruntime_img_s"] = Math.Round(rates[1]),
            ["lineage_onnx_import_img_s"] = Math.Round(rates[2]),
            ["lineage_over_onnxruntime"] = Math.Round(rates[0] / rates[1], 2),
            // the three compute the same function: the largest logit difference says so
            ["max_abs_diff_onnxruntime"] = MaxAbsDiff(reference, ort.Output()),
            ["max_abs_diff_onnx_import"] = MaxAbsDiff(reference, EngineOutput(imported)),
        };
    }

    /// <summary>Median work per second of each function over 5 rounds of about <paramref name="seconds"/> each,
    /// the functions' rounds alternating.</summary>
    static double[] InterleavedRates(double seconds, double work, params Action[] fns)
    {
        var reps = new int[fns.Length];
        var sw = new Stopwatch();
        for (int f = 0; f < fns.Length; f++)
        {
            fns[f](); fns[f]();
            sw.Restart(); fns[f](); double once = Math.Max(sw.Elapsed.TotalSeconds, 1e-6);
            reps[f] = Math.Max(1, (int)(seconds / once));
        }
        var rates = fns.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < 5; r++)
            for (int f = 0; f < fns.Length; f++)
            {
                sw.Restart();
                for (int i = 0; i < reps[f]; i++) fns[f]();
                rates[f].Add(work * reps[f] / sw.Elapsed.TotalSeconds);
            }
        return rates.Select(l => l.Order().ElementAt(2)).ToArray();
    }

    static double MaxAbsDiff(float[] a, float[] b)
    {
        if (a.Length != b.Length) throw new InvalidOperationException($"outputs of {a.Length} and {b.Length} values");
        double worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        return worst;
    }
}
