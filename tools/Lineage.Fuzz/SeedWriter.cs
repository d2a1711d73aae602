using System.Buffers.Binary;
using System.Text;
using Lineage.Data;
using Lineage.Data.Formats;
using Lineage.Suspects.Remote;

namespace Lineage.Fuzz;

/// <summary>Small valid inputs for the harnesses whose files the library writes itself; the model, fingerprint, ONNX and
/// evidence seeds come from the CLI (tools/Lineage.Fuzz/make-seeds). AFL starts best from files of a few KiB at most.</summary>
public static class SeedWriter
{
    public static void WriteAll(string root)
    {
        void Put(string harness, string name, byte[] bytes)
        {
            var dir = Path.Combine(root, harness);
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, name), bytes);
        }
        byte[] ViaFile(Action<string> write)
        {
            var path = Path.Combine(Path.GetTempPath(), $"lineage-seed-{Guid.NewGuid():N}");
            try { write(path); return File.ReadAllBytes(path); }
            finally { File.Delete(path); }
        }

        var pixels = Enumerable.Range(0, 2 * 4 * 4).Select(i => (byte)(i * 7)).ToArray();
        Put("idx", "images-2x4x4", ViaFile(p => IdxFile.Write(p, [2, 4, 4], pixels)));
        Put("idx", "images-2x4x4.gz", ViaFile(p => IdxFile.Write(p, [2, 4, 4], pixels, gzip: true)));
        Put("idx", "labels-3", ViaFile(p => IdxFile.Write(p, [3], [1, 0, 9])));

        var cifar = new byte[2 * 3073];
        for (int i = 0; i < cifar.Length; i++) cifar[i] = (byte)(i * 13);
        cifar[0] = 3; cifar[3073] = 9;
        Put("cifar", "two-records.bin", cifar);

        Put("npy", "f4-2x2.npy", ViaFile(p => NpyFile.Write(p, NpyArray.FromFloat32([0f, 0.5f, 1f, 0.25f], 2, 2))));
        Put("npy", "u1-3x4.npy", ViaFile(p => NpyFile.Write(p, NpyArray.FromBytes(Enumerable.Range(0, 12).Select(i => (byte)i).ToArray(), 3, 4))));
        Put("npy", "i8-3.npy", ViaFile(p => NpyFile.Write(p, NpyArray.FromInt64([2, 0, 1], 3))));

        var shapes = ShapesDataset.Generate(ShapesVariant.Gray28, 2, seed: 0, maxThreads: 1);
        Put("npz", "shapes-2.npz", ViaFile(p => NpzSampleSet.Write(p, shapes)));
        Put("npz", "u8-images-stored.npz", ViaFile(p => NpzFile.Write(p, new Dictionary<string, NpyArray>
        {
            ["images"] = NpyArray.FromBytes(pixels, 2, 4, 4),
            ["labels"] = NpyArray.FromInt64([0, 1], 2),
        }, compress: false)));

        Put("checkpoint", "lenet5-epoch1.checkpoint", CheckpointHarness.Seed());

        var request = OpenInferenceCodec.InferRequest("input", [2, 1, 2, 2], [0f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f]);
        Put("oip-request", "2x1x2x2.json", request);
        Put("oip-request", "nested.json", Encoding.UTF8.GetBytes(
            """{"id":"q","inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[[1.5,0.25,-2]]}]}"""));

        var metadata = new ModelMetadata("m", [new TensorMetadata("input", "FP32", [-1, 1, 28, 28])], [new TensorMetadata("logits", "FP32", [-1, 3])], 3).ToJson();
        var logits = OpenInferenceCodec.InferResponse("m", [new WireTensor("logits", [2, 3], "FP32", [1.0, -0.5, 2.0, 0.1, 0.2, 0.3])]);
        Put("oip-reply", "metadata-and-logits", [.. metadata, 0, .. logits]);
        Put("oip-reply", "probabilities", OpenInferenceCodec.InferResponse("m", [new WireTensor("probs", [2, 3], "FP32", [0.2, 0.3, 0.5, 0.1, 0.1, 0.8])]));
        Put("oip-reply", "topk-pair", OpenInferenceCodec.InferResponse("m",
            [new WireTensor("scores", [2, 2], "FP32", [0.9, 0.1, 0.6, 0.3]), new WireTensor("indices", [2, 2], "INT64", [2, 0, 1, 2])]));
        Put("oip-reply", "triton-classification", Encoding.UTF8.GetBytes(
            """{"model_name":"m","outputs":[{"name":"c","datatype":"BYTES","shape":[2,1],"data":["0.9:2:cat","0.7:0:dog"]}]}"""));
        Put("oip-reply", "labels", OpenInferenceCodec.InferResponse("m", [new WireTensor("label", [2], "INT64", [1, 0])]));

        Put("zoo-spec", "tiny.json", Encoding.UTF8.GetBytes("""
            {"format":"lineage-zoo-spec/1","dataset":{"name":"shapes","train_count":200,"test_count":40,"data_seed":0},"split_seed":1,
             "defaults":{"train":{"arch":"mlp","epochs":1,"batch_size":32,"lr":0.05},"attack_params":{"epochs":1}},
             "models":[{"id":"src","role":"source","chain":[{"train":{"seed":1}}]},
                       {"id":"ftal-1","role":"stolen","parent":"src","chain":[{"attack":"ftal","seed":1}]},
                       {"id":"prune-1","role":"stolen","parent":"src","chain":[{"attack":"prune","params":{"rate":0.5},"seed":1}]},
                       {"id":"ind-2","role":"independent","chain":[{"train":{"arch":"lenet5","seed":2}}]}]}
            """));

        Put("kit-manifest", "kit.json", Encoding.UTF8.GetBytes("""
            {"format":"lineage-kit/1",
             "source":{"hash":"6d1470317757ca566a256fba016adb2605943bf2a515409f4c377538ab3626e8","file":"source.safetensors","kind":"lineage-model","architecture":"mlp"},
             "dataset":{"name":"shapes","train_count":300,"test_count":60,"data_seed":0,"split_seed":1,"part":"defender","owner_images":150,"test_images":60},
             "input":{"declaration":"model file","mean":[0.2808],"std":[0.1907],"shape":[1,28,28]},
             "size":"small","spec_hash":"009e7d4ca272fafa9af6d120ff425310f90b58cf777264a62c29cfc6ebb4d02d",
             "models":[{"id":"kit-ref-1","role":"reference","architecture":"mlp","origin":"train seed=1001","chain":"train(mlp, shapes, seed=1001)",
                        "hash":"0bfdaab3004212b602f629123e03d8ecf6349632f9ec78418a0ad4cfeecd2e3c","file":"models/kit-ref-1.safetensors","test_accuracy":0.5,"seconds":1.5}]}
            """));
    }
}
