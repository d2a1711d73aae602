using System.Text;
using Lineage.Data;
using Lineage.Data.Formats;
using Lineage.Engine;
using Lineage.Engine.Onnx;
using Lineage.Fingerprints;
using Lineage.Kits;
using Lineage.Models;
using Lineage.Suspects.Remote;
using Lineage.Zoo;

namespace Lineage.Fuzz;

/// <summary>Every parser of a file or an answer that someone else may have made, as a fuzz target.</summary>
public static class HarnessCatalog
{
    /// <summary>Largest tensor a harness runs a forward pass on after a successful load (a declared shape could ask for more).</summary>
    const long MaxForwardValues = 1 << 16;

    public static readonly IReadOnlyList<Harness> All =
    [
        new("idx", "IDX files, raw or gzip (MNIST, Fashion-MNIST)", bytes =>
        {
            var path = Scratch.File("input-idx3-ubyte", bytes);
            Judge(path, () => IdxFile.Read(path));
        }),
        new("cifar", "CIFAR-10 binary batches", bytes =>
        {
            var path = Scratch.File("data_batch_1.bin", bytes);
            Judge(path, () => CifarReader.Read([path], 1, 0, DatasetCatalog.Cifar10Classes, Preprocessing.Cifar10, new DataOrigin("cifar10", "train", [path])));
        }),
        new("npy", "NumPy .npy arrays", bytes =>
        {
            var path = Scratch.File("input.npy", bytes);
            Judge(path, () => NpyFile.Read(path));
        }),
        new("npz", "NumPy .npz sample sets (images, labels, class names)", bytes =>
        {
            var path = Scratch.File("input.npz", bytes);
            Judge(path, () => NpzSampleSet.Read(path));
        }),
        new("model", "Lineage model files (safetensors), loaded and run on one image", bytes =>
        {
            var path = Scratch.File("input-model.safetensors", bytes);
            Judge(path, () =>
            {
                var model = ModelFile.Load(path);
                var shape = model.Preprocessing.Shape;
                if ((long)shape[0] * shape[1] * shape[2] > MaxForwardValues) return;
                using var scope = TensorScope.Begin();
                using (GradMode.NoGrad()) model.Logits(Tensor.Zeros(1, shape[0], shape[1], shape[2]));
            });
        }),
        new("fingerprint", "fingerprint files; then the same content under a recomputed hash, to reach the checks after it", bytes =>
        {
            var path = Scratch.File("input-fingerprint.safetensors", bytes);
            Judge(path, () => FingerprintFile.Load(path));
            if (Rehashed.Write(bytes, path, "lineage.content_sha256")) Judge(path, () => FingerprintFile.Load(path));
        }),
        new("checkpoint", "training checkpoints resumed by the trainer; then the same content under a recomputed hash", CheckpointHarness.Run),
        new("onnx", "ONNX models through the engine's importer, run on one input when they load", bytes =>
        {
            const string name = "input.onnx";
            Judge(name, () =>
            {
                var model = OnnxModel.Load(bytes, name);
                var input = model.Inputs[0];
                var dims = input.Shape.Select(d => d is > 0 and < 4096 ? (int)d : 1).ToArray();
                if (dims.Aggregate(1L, (a, d) => a * d) > MaxForwardValues) return;
                using var scope = TensorScope.Begin();
                using (GradMode.NoGrad()) model.Forward(Tensor.Zeros(dims));
            });
        }),
        new("oip-reply", "Open Inference v2 answers as the client decodes them: metadata, then the reply (before and after a NUL byte)", OpenInferenceReplyHarness.Run),
        new("oip-request", "Open Inference v2 requests as lineage serve reads them", bytes =>
            Judge("request", () => InferRequestReader.Read(bytes, MaxForwardValues, "request"))),
        new("zoo-spec", "zoo specs, planned into their build graph", bytes =>
        {
            var path = Scratch.File("input-zoo.json", bytes);
            Judge(path, () => ZooPlan.Create(ZooSpec.Load(path)));
        }),
        new("kit-manifest", "kit manifests (kit.json), loaded as an owner's kit", bytes =>
        {
            var dir = Scratch.Folder("kit");
            File.WriteAllBytes(Path.Combine(dir, KitManifest.FileName), bytes);
            Judge(dir, () => OwnerKit.Load(dir));
        }),
        new("evidence", "evidence packages (a packed folder), checked and re-scored", EvidenceHarness.Run),
    ];

    /// <summary>Parses that succeeded and parses refused with a clear error, since the process started (replay reports them).</summary>
    public static int Accepted { get; private set; }
    public static int Refused { get; private set; }

    public static Harness Get(string name) => All.FirstOrDefault(h => h.Name == name)
        ?? throw new ArgumentException($"no fuzz harness '{name}'; harnesses: {string.Join(", ", All.Select(h => h.Name))}");

    /// <summary>Runs a parse; a clear error naming <paramref name="inputName"/> is the expected refusal, anything else is rethrown as a finding.</summary>
    public static void Judge(string inputName, Action parse)
    {
        try { parse(); Accepted++; }
        catch (Exception e) when (ExpectedFailure.IsClearError(e, inputName, out _)) { Refused++; }
        catch (Exception e) when (e is not FuzzFinding)
        {
            ExpectedFailure.IsClearError(e, inputName, out var why);
            throw new FuzzFinding(why, e);
        }
    }

    public static void Judge<T>(string inputName, Func<T> parse) => Judge(inputName, () => { parse(); });

    internal static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}

/// <summary>A harness input that made a parser fail in a way a user would see as a crash or an unnamed error.</summary>
public sealed class FuzzFinding(string why, Exception inner) : Exception(why, inner);
