using Lineage.Engine;
using Lineage.Suspects;
using Microsoft.ML.OnnxRuntime;

namespace Lineage.Bench;

/// <summary>An exported model on ONNX Runtime (the suspects' session options) with one input batch bound to it, for
/// the benchmark's timed runs; optionally with ONNX Runtime's own profiler writing under a path prefix.</summary>
sealed class OnnxRuntimeRunner : IDisposable
{
    readonly SessionOptions options;
    readonly InferenceSession session;
    readonly OrtValue input;
    readonly RunOptions runOptions = new();
    readonly string[] inputNames, outputNames;

    public OnnxRuntimeRunner(byte[] onnx, Tensor x, int threads, string? profilePrefix = null)
    {
        // the anchor is ONNX Runtime as deployed on its own: its default, spinning threads
        options = OnnxRuntimeClassifier.SessionOptionsFor(threads, spinning: true);
        if (profilePrefix != null)
        {
            // the prefix first: enabling profiling takes the prefix set at that moment
            options.ProfileOutputPathPrefix = profilePrefix;
            options.EnableProfiling = true;
        }
        session = new InferenceSession(onnx, options);
        input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(x.Data, 0, x.Size), x.Shape.Select(d => (long)d).ToArray());
        inputNames = [session.InputNames[0]];
        outputNames = [session.OutputNames[0]];
    }

    public void Run() { using var y = session.Run(runOptions, inputNames, [input], outputNames); }

    public float[] Output() { using var y = session.Run(runOptions, inputNames, [input], outputNames); return y[0].GetTensorDataAsSpan<float>().ToArray(); }

    /// <summary>Stops the profiler and returns the file it wrote.</summary>
    public string EndProfiling() => session.EndProfiling();

    public void Dispose()
    {
        runOptions.Dispose();
        input.Dispose();
        session.Dispose();
        options.Dispose();
    }
}
