using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Lineage.Engine;
using Lineage.Engine.Optim;
using Lineage.Engine.Nn;

namespace Lineage.Bench;

/// <summary>
/// The engine's side of the project's PyTorch reference script (torch_reference.py): the same work, the same timing
/// (median of 5 rounds, each about --seconds long), the same JSON keys.
/// Usage: Lineage.Bench [--json] [--threads N] [--seconds S] [--check-memory] [--fingerprint] [--resnet-only]
/// [--profile-loops] [--profile-inference] [--steps N] [--compare-onnxruntime] [--peak]; or Lineage.Bench --cae ZOO_DIR KIT_DIR [options] (<see cref="CaeBench"/>);
/// or Lineage.Bench --uap ZOO_DIR KIT_DIR [options] (<see cref="UapBench"/>)
/// </summary>
public static class Program
{
    static double seconds = 1.0;
    /// <summary>How long each figure's function runs before it is timed. The engine is compiled as it runs: a fresh
    /// process starts every method unoptimised and recompiles the ones it calls often in the background, which for a
    /// ResNet-20 step (about 75 ms) took longer than the three warm-up calls the figures had before (2026-12-04, four
    /// processes alternated: 957–1053 img/s with those, 1146–1160 with every method optimised from the start,
    /// DOTNET_TieredCompilation=0). A user's training or verification runs for minutes, so the figures are of the
    /// compiled code; PyTorch has no such start.</summary>
    const double WarmupSeconds = 4.0;
    /// <summary>--steps: measured steps of --check-memory (default 200) and --profile-loops (default 20), forwards of
    /// --profile-inference (default 10).</summary>
    static int? stepsOption;

    public static int Main(string[] args)
    {
        int threads = 2;
        if (args.Length > 0 && args[0] == "--cae") { EngineSettings.Threads = threads; return CaeBench.Run(args[1..]); }
        if (args.Length > 0 && args[0] == "--uap") { EngineSettings.Threads = threads; return UapBench.Run(args[1..]); }
        bool json = false, checkMemory = false, fingerprint = false, resnetOnly = false, profileLoops = false, profileInference = false, compareOrt = false, peak = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--json": json = true; break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--check-memory": checkMemory = true; break;
                case "--fingerprint": fingerprint = true; break;
                case "--resnet-only": resnetOnly = true; break;
                case "--profile-loops": profileLoops = true; break;
                case "--profile-inference": profileInference = true; break;
                case "--steps": stepsOption = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--compare-onnxruntime": compareOrt = true; break;
                case "--peak": peak = true; break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}; usage: [--json] [--threads N] [--seconds S] [--check-memory] [--fingerprint] [--resnet-only] [--profile-loops] [--profile-inference] [--steps N] [--compare-onnxruntime] [--peak]"); return 2;
            }
        }
        EngineSettings.Threads = threads;
        if (checkMemory) { CheckMemory(); return 0; }
        if (fingerprint) { FingerprintBench.Run(rounds: 5); return 0; }
        if (profileLoops) { ProfileLoops(json); return 0; }
        if (profileInference) { InferenceProfile.Run(threads, stepsOption ?? 10, json); return 0; }
        if (compareOrt) { OnnxRuntimeComparison.Run(threads, seconds, json); return 0; }
        if (peak) { PeakFlops.Run(threads, json); return 0; }

        var res = new Dictionary<string, object>
        {
            ["engine"] = $"lineage {typeof(Tensor).Assembly.GetName().Version} (.NET {Environment.Version})",
            ["threads"] = threads,
        };
        var gen = new Generator(0);
        if (resnetOnly) goto resnet;
        var sgemm = new Dictionary<string, double>();
        foreach (var n in new[] { 256, 512, 1024 })
        {
            var a = Tensor.Randn(gen, n, n).ClonePersistent();
            var b = Tensor.Randn(gen, n, n).ClonePersistent();
            sgemm[n.ToString(CultureInfo.InvariantCulture)] = Math.Round(Rate(() =>
            {
                using var scope = TensorScope.Begin();
                Functional.MatMul(a, b);
            }, 2.0 * n * n * n) / 1e9, 1);
        }
        res["sgemm_gflops"] = sgemm;

        var net = Models.Cnn(gen);
        var x = Tensor.Rand(gen, 128, 1, 28, 28).ClonePersistent();
        var y = RandomLabels(gen, 128, 10);
        res["train_img_s"] = Math.Round(TrainRate(net, x, y));

        net.Eval();
        var xi = Tensor.Rand(gen, 256, 1, 28, 28).ClonePersistent();
        res["infer_img_s"] = Math.Round(Rate(() =>
        {
            using var scope = TensorScope.Begin();
            using var noGrad = GradMode.NoGrad();
            net.Forward(xi);
        }, 256));

    resnet:
        var resnet = new ResNet20(gen);
        res["train_resnet_img_s"] = Math.Round(TrainRate(resnet, Tensor.Rand(gen, 64, 3, 32, 32).ClonePersistent(), RandomLabels(gen, 64, 10)));

        var text = JsonSerializer.Serialize(res);
        if (json) Console.WriteLine(text);
        else foreach (var (k, v) in res) Console.WriteLine($"{k,-20} {JsonSerializer.Serialize(v)}");
        return 0;
    }

    static int[] RandomLabels(Generator gen, int n, int classes) => Enumerable.Range(0, n).Select(_ => gen.NextInt(classes)).ToArray();

    /// <summary>Median work per second over 5 rounds, each repeating fn about <see cref="seconds"/> long (as the torch script),
    /// after <see cref="WarmupSeconds"/> of calls.</summary>
    static double Rate(Action fn, double work)
    {
        var warm = Stopwatch.StartNew();
        do fn(); while (warm.Elapsed.TotalSeconds < WarmupSeconds);
        var sw = Stopwatch.StartNew(); fn(); double once = Math.Max(sw.Elapsed.TotalSeconds, 1e-6);
        int reps = Math.Max(1, (int)(seconds / once));
        var rates = new List<double>();
        for (int r = 0; r < 5; r++)
        {
            sw.Restart();
            for (int i = 0; i < reps; i++) fn();
            rates.Add(work * reps / sw.Elapsed.TotalSeconds);
        }
        rates.Sort();
        return rates[2];
    }

    static double TrainRate(Module net, Tensor x, int[] labels)
    {
        var opt = new Sgd(net.Parameters(), lr: 0.01, momentum: 0.9);
        net.Train();
        return Rate(() => TrainStep(net, opt, x, labels), x.Shape[0]);
    }

    /// <summary>One SGD step; every temporary goes back to the pool when the scope ends (only the loss value leaves it).</summary>
    static float TrainStep(Module net, Optimizer opt, Tensor x, int[] labels)
    {
        using var scope = TensorScope.Begin();
        opt.ZeroGrad();
        var loss = Functional.CrossEntropy(net.Forward(x), labels);
        loss.Backward();
        opt.Step();
        return loss.Item();
    }

    /// <summary>Where a ResNet-20 training step goes: wall time per engine loop (call site, items, cost per
    /// item) over --steps steps (default 20), per step, slowest first. 40 warm-up steps first: a loop that runs
    /// once per step (the stem's) is still unoptimised tier-0 code after 5 and looked 5× slower.</summary>
    static void ProfileLoops(bool json)
    {
        var gen = new Generator(0);
        var net = new ResNet20(gen);
        var x = Tensor.Rand(gen, 64, 3, 32, 32).ClonePersistent();
        var labels = RandomLabels(gen, 64, 10);
        var opt = new Sgd(net.Parameters(), lr: 0.01, momentum: 0.9);
        net.Train();
        for (int i = 0; i < 40; i++) TrainStep(net, opt, x, labels);
        int steps = Math.Max(1, stepsOption ?? 20);
        LoopProfile.Reset();
        LoopProfile.Enabled = true;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) TrainStep(net, opt, x, labels);
        double stepMs = sw.Elapsed.TotalMilliseconds / steps;
        LoopProfile.Enabled = false;
        var loops = LoopProfile.Totals();
        double inLoops = loops.Sum(l => l.Milliseconds) / steps;
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                threads = EngineSettings.Threads, steps, step_ms = Math.Round(stepMs, 2), in_loops_ms = Math.Round(inLoops, 2),
                loops = loops.Select(l => new { loop = l.Site.Loop, items = l.Site.Items, cost_per_item = l.Site.CostPerItem, ms_per_step = Math.Round(l.Milliseconds / steps, 3), calls_per_step = (double)l.Calls / steps }),
            }));
            return;
        }
        Console.WriteLine($"ResNet-20 training step, batch 64, {EngineSettings.Threads} thread(s), {steps} steps: {stepMs:0.0} ms per step, {inLoops:0.0} ms in the engine's loops");
        Console.WriteLine($"{"ms/step",9} {"calls",6}  loop (items × cost per item)");
        foreach (var l in loops.Take(40))
            Console.WriteLine($"{l.Milliseconds / steps,9:0.000} {(double)l.Calls / steps,6:0.#}  {l.Site.Loop} ({l.Site.Items} × {l.Site.CostPerItem})");
    }

    /// <summary>200 training steps of the reference CNN; after warm-up the managed heap must stay flat.</summary>
    static void CheckMemory()
    {
        var gen = new Generator(0);
        var net = Models.Cnn(gen);
        var x = Tensor.Rand(gen, 128, 1, 28, 28).ClonePersistent();
        var y = RandomLabels(gen, 128, 10);
        var opt = new Sgd(net.Parameters(), lr: 0.01, momentum: 0.9);
        const int warmup = 20;
        int steps = stepsOption ?? 200;
        long heapAfterWarmup = 0, allocAfterWarmup = 0;
        var heaps = new List<long>();
        for (int s = 0; s < steps; s++)
        {
            if (s == warmup)
            {
                GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
                heapAfterWarmup = GC.GetTotalMemory(false);
                allocAfterWarmup = GC.GetTotalAllocatedBytes(precise: true);
            }
            TrainStep(net, opt, x, y);
            if (s >= warmup && (s - warmup) % 45 == 0) heaps.Add(GC.GetTotalMemory(false));
        }
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocAfterWarmup;
        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        long heapEnd = GC.GetTotalMemory(false);
        var report = new Dictionary<string, object>
        {
            ["steps"] = steps,
            ["warmup_steps"] = warmup,
            ["heap_bytes_after_warmup"] = heapAfterWarmup,
            ["heap_bytes_at_end"] = heapEnd,
            ["heap_growth_bytes_per_step"] = (heapEnd - heapAfterWarmup) / (double)(steps - warmup),
            ["allocated_bytes_per_step"] = allocated / (double)(steps - warmup),
            ["heap_bytes_samples_uncollected"] = heaps,
            ["pooled_floats"] = BufferPool.PooledFloats,
        };
        Console.WriteLine(JsonSerializer.Serialize(report));
    }
}
