using System.Diagnostics;
using System.Text.Json;
using Lineage.Engine;
using Lineage.Engine.Onnx;

namespace Lineage.Bench;

/// <summary>
/// `--profile-inference`: where ResNet-20's inference (batch 256, eval mode, no gradients) goes, on the engine (each
/// parallel loop by call site and size, as `--profile-loops` for training) and on ONNX Runtime running the engine's
/// export of the same module (its own per-node profile, nodes grouped by operator and tensor shapes), one after the
/// other in one process, so that the two can be set side by side layer group by layer group.
/// </summary>
public static class InferenceProfile
{
    const int Batch = 256;

    public static void Run(int threads, int forwards, bool json)
    {
        var gen = new Generator(0);
        var net = new ResNet20(gen);
        net.Eval();
        var x = Tensor.Rand(gen, Batch, 3, 32, 32).ClonePersistent();

        void Forward() { using var scope = TensorScope.Begin(); using var noGrad = GradMode.NoGrad(); net.Forward(x); }
        for (int i = 0; i < 10; i++) Forward();
        LoopProfile.Reset();
        LoopProfile.Enabled = true;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < forwards; i++) Forward();
        double engineMs = sw.Elapsed.TotalMilliseconds / forwards;
        LoopProfile.Enabled = false;
        var loops = LoopProfile.Totals();

        var (ortMs, nodes) = OnnxRuntimeNodes(net, x, threads, forwards);

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                threads, batch = Batch, forwards,
                engine = new
                {
                    forward_ms = Math.Round(engineMs, 2),
                    loops = loops.Select(l => new { loop = l.Site.Loop, items = l.Site.Items, cost_per_item = l.Site.CostPerItem, ms_per_forward = Math.Round(l.Milliseconds / forwards, 3), calls_per_forward = (double)l.Calls / forwards }),
                },
                onnxruntime = new
                {
                    run_ms = Math.Round(ortMs, 2),
                    nodes = nodes.Select(n => new { op = n.Op, shapes = n.Shapes, ms_per_run = Math.Round(n.Ms, 3), nodes_per_run = n.Count }),
                },
            }));
            return;
        }
        Console.WriteLine($"ResNet-20 inference, batch {Batch}, {threads} thread(s), {forwards} forwards each");
        Console.WriteLine($"engine: {engineMs:0.0} ms per forward, {loops.Sum(l => l.Milliseconds) / forwards:0.0} ms in its loops");
        Console.WriteLine($"{"ms",9} {"calls",6}  loop (items × cost per item)");
        foreach (var l in loops.Where(l => l.Milliseconds / forwards >= 0.01))
            Console.WriteLine($"{l.Milliseconds / forwards,9:0.00} {(double)l.Calls / forwards,6:0.#}  {l.Site.Loop} ({l.Site.Items} × {l.Site.CostPerItem})");
        Console.WriteLine($"ONNX Runtime: {ortMs:0.0} ms per run, {nodes.Sum(n => n.Ms):0.0} ms in its nodes");
        Console.WriteLine($"{"ms",9} {"nodes",6}  operator (input shapes → output shape)");
        foreach (var n in nodes.Where(n => n.Ms >= 0.01))
            Console.WriteLine($"{n.Ms,9:0.00} {n.Count,6}  {n.Op} ({n.Shapes})");
    }

    /// <summary>ONNX Runtime's profile of <paramref name="forwards"/> runs after 10 warm-up ones: the median
    /// time of each node, summed over the nodes of one operator and shapes, slowest first.</summary>
    static (double RunMs, List<(string Op, string Shapes, double Ms, int Count)> Nodes) OnnxRuntimeNodes(ResNet20 net, Tensor x, int threads, int forwards)
    {
        var onnx = OnnxExporter.ExportToBytes(net, [3, 32, 32]);
        var dir = Directory.CreateTempSubdirectory("lineage-ort-profile-");
        try
        {
            using var ort = new OnnxRuntimeRunner(onnx, x, threads, Path.Combine(dir.FullName, "ort"));
            for (int i = 0; i < 10; i++) ort.Run();
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < forwards; i++) ort.Run();
            double runMs = sw.Elapsed.TotalMilliseconds / forwards;
            var file = ort.EndProfiling();
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var perNode = new Dictionary<string, (string Op, string Shapes, List<double> Ms)>();
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                if (e.GetProperty("cat").GetString() != "Node") continue;
                var name = e.GetProperty("name").GetString()!;
                if (!name.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
                var args = e.GetProperty("args");
                if (!perNode.TryGetValue(name, out var node))
                    perNode[name] = node = (args.GetProperty("op_name").GetString()!, Shapes(args), new List<double>());
                node.Ms.Add(e.GetProperty("dur").GetDouble() / 1000.0);
            }
            // the first 10 profiled runs were warm-up: keep the last `forwards` of each node
            var nodes = perNode.Values
                .Select(n => (n.Op, n.Shapes, Ms: Median(n.Ms.Skip(Math.Max(0, n.Ms.Count - forwards)).ToList())))
                .GroupBy(n => (n.Op, n.Shapes))
                .Select(g => (g.Key.Op, g.Key.Shapes, g.Sum(n => n.Ms), g.Count()))
                .OrderByDescending(n => n.Item3).ToList();
            return (runMs, nodes);
        }
        finally { dir.Delete(recursive: true); }
    }

    static string Shapes(JsonElement args)
    {
        static string One(JsonElement t) => "[" + string.Join(", ", t.EnumerateObject().First().Value.EnumerateArray().Select(d => d.GetInt64())) + "]";
        var inputs = args.TryGetProperty("input_type_shape", out var i) ? string.Join(" ", i.EnumerateArray().Select(One)) : "";
        var outputs = args.TryGetProperty("output_type_shape", out var o) ? string.Join(" ", o.EnumerateArray().Select(One)) : "";
        return $"{inputs} → {outputs}";
    }

    static double Median(List<double> v)
    {
        v.Sort();
        return v.Count == 0 ? 0 : v[v.Count / 2];
    }
}
