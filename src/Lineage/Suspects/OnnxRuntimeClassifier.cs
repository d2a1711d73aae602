using Lineage.Data;
using Lineage.Engine;
using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace Lineage.Suspects;

/// <summary>
/// An ONNX classifier run by ONNX Runtime (every operator of the standard, its own optimised kernels) with the
/// preprocessing it is declared to take, and its class count (found by running one image through it). The
/// black-box counterpart of <see cref="OnnxClassifier"/>, which imports the graph into the engine and is still
/// what a white-box ONNX source needs: ONNX Runtime gives outputs, not gradients.
/// </summary>
public sealed class OnnxRuntimeClassifier : IDisposable
{
    readonly InferenceSession session;
    readonly string inputName;
    readonly string path;

    public Preprocessing Preprocessing { get; }
    public int Classes { get; }

    OnnxRuntimeClassifier(InferenceSession session, string inputName, string path, Preprocessing preprocessing)
    {
        this.session = session; this.inputName = inputName; this.path = path; Preprocessing = preprocessing;
        var y = Run(Tensor.Zeros([1, .. preprocessing.Shape]));
        if (y.Rank != 2 || y.Shape[0] != 1 || y.Shape[1] < 2)
            throw new InvalidDataException($"{path}: expected a classifier with output [N, classes], got {Tensor.FormatShape(y.Shape)} for one image of {Tensor.FormatShape(preprocessing.Shape)}");
        Classes = y.Shape[1];
    }

    /// <summary>[0,1] images → logits, with the declared preprocessing applied first.</summary>
    public Tensor Logits(Tensor images) => Run(Preprocessing.Apply(images));

    /// <summary>The model's own input (already preprocessed) → its output, as a new engine tensor.</summary>
    public Tensor Run(Tensor input)
    {
        var shape = input.Shape.Select(d => (long)d).ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(input.Data, 0, input.Size), shape);
        try
        {
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, [inputName], [value], session.OutputNames);
            var output = outputs[0];
            var outShape = output.GetTensorTypeAndShape().Shape.Select(d => checked((int)d)).ToArray();
            return Tensor.FromArray(output.GetTensorDataAsSpan<float>().ToArray(), outShape);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{path}: ONNX Runtime could not run it on input {Tensor.FormatShape(input.Shape)}: {FirstLine(e.Message)}");
        }
    }

    /// <param name="threads">Intra-op threads (default: the engine's <see cref="EngineSettings.Threads"/>, so
    /// LINEAGE_THREADS bounds both runtimes alike).</param>
    /// <param name="spinning">Whether ONNX Runtime's threads spin after each run (see <see cref="SessionOptionsFor"/>):
    /// off for suspects queried beside engine work, on for a process that runs nothing else.</param>
    public static OnnxRuntimeClassifier Open(string path, Preprocessing preprocessing, int? threads = null, bool spinning = false)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX model {path} does not exist", path);
        SessionOptions? options = null;
        InferenceSession session;
        try
        {
            options = SessionOptionsFor(threads ?? EngineSettings.Threads, spinning);
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e) { throw new InvalidDataException($"{path}: ONNX Runtime cannot load it as an ONNX model: {FirstLine(e.Message)}"); }
        // the package ships native builds for win/linux x64 and arm64 and osx-arm64 only
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException)
        {
            throw new PlatformNotSupportedException($"{path}: ONNX Runtime's native library does not load on {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier} ({FirstLine(e.Message)}); run the suspect on the engine's importer with --runtime engine");
        }
        finally { options?.Dispose(); }
        try
        {
            if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count != 1)
                throw new InvalidDataException($"{path}: expected a classifier with one input and one output, it has {session.InputMetadata.Count} inputs and {session.OutputMetadata.Count} outputs");
            var (name, input) = session.InputMetadata.Single();
            if (input.ElementDataType != TensorElementType.Float || session.OutputMetadata.Single().Value.ElementDataType != TensorElementType.Float)
                throw new InvalidDataException($"{path}: expected float32 input and output, got {input.ElementDataType} input and {session.OutputMetadata.Single().Value.ElementDataType} output");
            return new OnnxRuntimeClassifier(session, name, path, preprocessing);
        }
        catch { session.Dispose(); throw; }
    }

    /// <summary>One inference at a time on <paramref name="threads"/> threads, with every graph optimisation
    /// ONNX Runtime has (its default): the runtime as a user would deploy it. ONNX Runtime's worker threads spin for
    /// work after each run by default, which is right for a process that runs nothing else (a model server, the
    /// benchmark's anchor) and costly for one whose engine works between queries on the same cores (verification and
    /// evaluation query a suspect, then compute on the source): ResNet-20 on 2 threads, one ONNX Runtime run then
    /// one engine forward in turn, took 146–151 ms a pair with spinning against 132–138 without at batch 256, and
    /// 12.6–13.0 against 9.7–9.9 ms at batch 16, while ONNX Runtime alone took 65–68 ms either way at batch 256 and
    /// 3.9–4.2 against 4.4–4.6 ms at batch 16 (two runs, 12 interleaved rounds each).</summary>
    public static SessionOptions SessionOptionsFor(int threads, bool spinning)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (!spinning) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    public void Dispose() => session.Dispose();
}
