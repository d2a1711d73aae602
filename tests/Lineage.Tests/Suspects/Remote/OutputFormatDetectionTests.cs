using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lineage.Engine;
using Lineage.Suspects;
using Lineage.Suspects.Remote;
using Lineage.Tests.Fingerprints.Combined;

namespace Lineage.Tests.Suspects.Remote;

/// <summary>A scripted Open Inference server that answers, from one linear model, in each form APIs use; the detector
/// must tell every form from the metadata and one probe, and the suspect must then read the same answers.</summary>
public class OutputFormatDetectionTests
{
    const int Classes = LinearWorld.Classes, K = 3;
    static readonly LinearSuspect Model = LinearWorld.Source();

    public enum Form { Logits, Probabilities, TopKPair, TopKTensor, TopKTensorAxis1, Triton, TritonLogits, Labels }

    static JsonObject Tensor(string name, string type, long[] shape, IEnumerable<JsonNode?> data) => new()
    {
        ["name"] = name, ["datatype"] = type, ["shape"] = new JsonArray(shape.Select(d => (JsonNode?)d).ToArray()), ["data"] = new JsonArray(data.ToArray()),
    };

    static (string Name, string Type)[] Outputs(Form form) => form switch
    {
        Form.TopKPair => [("scores_prob", "FP32"), ("scores_index", "INT64")],
        Form.Triton or Form.TritonLogits => [("classification", "BYTES")],
        Form.Labels => [("label", "INT64")],
        Form.TopKTensor or Form.TopKTensorAxis1 => [("topk", "FP32")],
        _ => [("output", "FP32")],
    };

    static JsonArray Answer(Form form, Tensor images)
    {
        int n = images.Shape[0];
        var full = Model.Query(images);
        var probs = OutputReduction.Reveal(full, OutputMode.Probabilities).Values!;
        var top = OutputReduction.Reveal(full, OutputMode.TopK, K);
        IEnumerable<(int Row, int Class, float P, float Logit)> Top() => Enumerable.Range(0, n * K)
            .Select(i => (i / K, top.TopKClasses![i], probs[(i / K) * Classes + top.TopKClasses![i]], full.Values![(i / K) * Classes + top.TopKClasses![i]]));
        return form switch
        {
            Form.Logits => [Tensor("output", "FP32", [n, Classes], full.Values!.Select(v => (JsonNode?)v))],
            Form.Probabilities => [Tensor("output", "FP32", [n, Classes], probs.Select(v => (JsonNode?)v))],
            Form.TopKPair => [Tensor("scores_prob", "FP32", [n, K], Top().Select(t => (JsonNode?)t.P)), Tensor("scores_index", "INT64", [n, K], Top().Select(t => (JsonNode?)t.Class))],
            Form.TopKTensor => [Tensor("topk", "FP32", [n, K, 2], Top().SelectMany(t => new JsonNode?[] { t.Class, t.P }))],
            Form.TopKTensorAxis1 => [Tensor("topk", "FP32", [n, 2, K], Enumerable.Range(0, n).SelectMany(r =>
                Top().Where(t => t.Row == r).Select(t => (JsonNode?)t.P).Concat(Top().Where(t => t.Row == r).Select(t => (JsonNode?)t.Class))))],
            Form.Triton => [Tensor("classification", "BYTES", [n, K], Top().Select(t => (JsonNode?)string.Create(CultureInfo.InvariantCulture, $"{t.P}:{t.Class}:shape{t.Class}")))],
            Form.TritonLogits => [Tensor("classification", "BYTES", [n, K], Top().Select(t => (JsonNode?)string.Create(CultureInfo.InvariantCulture, $"{t.Logit + 5}:{t.Class}")))],
            _ => [Tensor("label", "INT64", [n], full.Labels.Select(l => (JsonNode?)l))],
        };
    }

    static ScriptedHttpServer Serve(Form form, List<int>? batches = null) => new((context, _) =>
    {
        if (context.Request.HttpMethod == "GET")
        {
            var meta = new JsonObject
            {
                ["name"] = "m", ["platform"] = "scripted",
                ["inputs"] = new JsonArray(new JsonObject { ["name"] = "x", ["datatype"] = "FP32", ["shape"] = new JsonArray(-1, 1, LinearWorld.Side, LinearWorld.Side) }),
                ["outputs"] = new JsonArray(Outputs(form).Select(o => (JsonNode?)new JsonObject { ["name"] = o.Name, ["datatype"] = o.Type, ["shape"] = new JsonArray(-1) }).ToArray()),
                ["parameters"] = new JsonObject { ["classes"] = Classes },
            };
            ScriptedHttpServer.Reply(context, 200, meta.ToJsonString());
            return;
        }
        var body = new MemoryStream();
        context.Request.InputStream.CopyTo(body);
        var input = OpenInferenceCodec.Tensors(body.ToArray(), "inputs", "request")[0];
        var images = Lineage.Engine.Tensor.FromArray(input.Data.Select(v => (float)v).ToArray(), input.Shape.Select(d => (int)d).ToArray());
        lock (batches ?? []) batches?.Add(images.Shape[0]);
        ScriptedHttpServer.Reply(context, 200, new JsonObject { ["model_name"] = "m", ["outputs"] = Answer(form, images) }.ToJsonString());
    });

    static Tensor Images(int n, int seed)
    {
        var rng = new Random(seed);
        return Lineage.Engine.Tensor.FromArray(Enumerable.Range(0, n * LinearWorld.Pixels).Select(_ => (float)rng.NextDouble()).ToArray(), n, 1, LinearWorld.Side, LinearWorld.Side);
    }

    [Theory]
    [InlineData(Form.Logits, OutputFormatKind.Logits, OutputMode.Logits)]
    [InlineData(Form.Probabilities, OutputFormatKind.Probabilities, OutputMode.Probabilities)]
    [InlineData(Form.TopKPair, OutputFormatKind.TopKPair, OutputMode.TopK)]
    [InlineData(Form.TopKTensor, OutputFormatKind.TopKTensor, OutputMode.TopK)]
    [InlineData(Form.TopKTensorAxis1, OutputFormatKind.TopKTensor, OutputMode.TopK)]
    [InlineData(Form.Triton, OutputFormatKind.TritonClassification, OutputMode.TopK)]
    [InlineData(Form.TritonLogits, OutputFormatKind.TritonClassification, OutputMode.Label)]
    [InlineData(Form.Labels, OutputFormatKind.Labels, OutputMode.Label)]
    public void EveryFormIsDetectedFromOneProbeAndThenReadAsTheModelAnswers(Form form, OutputFormatKind kind, OutputMode mode)
    {
        var batches = new List<int>();
        using var server = Serve(form, batches);
        var options = new RemoteSuspectOptions { Timeout = TimeSpan.FromSeconds(10), Budget = 25 };
        var opened = SuspectOpener.Open(server.ModelUrl, LinearWorld.Preprocessing, null, 1, options, Images(1, 1));
        Assert.Equal(1, opened.ProbeQueries);
        Assert.Equal([1], batches);
        Assert.Equal(mode, opened.Suspect.Mode);
        Assert.Contains("detected", opened.ModeBasis);
        Assert.Equal(Classes, opened.Suspect.Classes);

        var images = Images(12, 2);
        var answers = opened.Suspect.Query(images);
        var expected = OutputReduction.Reveal(Model.Query(images), mode, mode == OutputMode.TopK ? K : 1);
        Assert.Equal(expected.Labels, answers.Labels);
        Assert.Equal(mode, answers.Mode);
        if (expected.Values is float[] v)
            for (int i = 0; i < v.Length; i++) Assert.Equal(v[i], answers.Values![i], 5);
        if (mode == OutputMode.TopK) Assert.Equal(expected.TopKClasses, answers.TopKClasses);

        // the budget left after the probe: 24 more queries, not 25
        Assert.Throws<QueryBudgetExceededException>(() => opened.Suspect.Query(Images(13, 3)));

        var format = OutputFormatDetector.Detect(null, System.Text.Encoding.UTF8.GetBytes(new JsonObject { ["outputs"] = Answer(form, images) }.ToJsonString()), 12, Classes, "test");
        Assert.Equal(kind, format.Kind);
    }

    [Fact]
    public void ADeclaredModeOverridesDetectionAndSendsNoProbe()
    {
        var batches = new List<int>();
        using var server = Serve(Form.Labels, batches);
        var opened = SuspectOpener.Open(server.ModelUrl, LinearWorld.Preprocessing, OutputMode.Label, 1,
            new RemoteSuspectOptions { Output = RemoteOutputKind.Label, OutputName = "label", Timeout = TimeSpan.FromSeconds(10) }, Images(1, 1));
        Assert.Equal(0, opened.ProbeQueries);
        Assert.Empty(batches);
        Assert.Contains("declared with --mode label", opened.ModeBasis);
    }

    [Fact]
    public void TheEvidenceOfARemoteSuspectKeepsItsMetadataWhatWasDetectedAndEveryRequest()
    {
        using var dir = new Lineage.Tests.Data.TempDir();
        using var server = Serve(Form.TopKPair);
        var fp = LinearWorld.Make("akh", Model, 30, 1, LinearWorld.Nulls(20));
        var fpPath = LinearWorld.Save(fp, dir.Path, "akh.fingerprint");
        var bundle = Lineage.Fingerprints.FingerprintBundle.Open(fpPath);
        using var capture = new Lineage.Evidence.RequestLogCapture(new RemoteSuspectOptions { Timeout = TimeSpan.FromSeconds(10), BatchSize = 8, Budget = 100 });
        var opened = SuspectOpener.Open(server.ModelUrl, LinearWorld.Preprocessing, null, 1, capture.Options, Images(1, 1));
        var verdict = Lineage.Fingerprints.CombinedVerifier.Verify(bundle, opened.Suspect, new Lineage.Fingerprints.CombineOptions());
        Assert.True(verdict.Stolen);
        var log = capture.Collect();
        var ev = Lineage.Evidence.EvidenceWriter.Write(dir.File("ev"), new Lineage.Evidence.EvidenceRun
        {
            FingerprintPath = fpPath, Bundle = bundle, Verdict = verdict with { SuspectModeBasis = opened.ModeBasis, ProbeQueries = opened.ProbeQueries },
            CommandLine = "lineage verify", Started = DateTimeOffset.UtcNow, Finished = DateTimeOffset.UtcNow,
            Suspect = Lineage.Evidence.SuspectIdentity.Of(server.ModelUrl, opened.Suspect, opened.ModeBasis), RequestLog = log,
        });
        var check = Lineage.Evidence.EvidenceCheck.Run(ev);
        Assert.True(check.Holds, string.Join("\n", check.Problems));
        var doc = check.Document!;
        Assert.Equal(server.ModelUrl, doc.Suspect.Url);
        Assert.Null(doc.Suspect.FileSha256);
        Assert.Contains("scores_index", doc.Suspect.MetadataReply);
        Assert.Contains("top-3 as a pair of tensors scores_prob", doc.Suspect.ModeBasis);
        Assert.Equal("topk", doc.Suspect.Mode);
        // metadata + probe (detector), metadata (suspect), then 30 queries in batches of 8
        var lines = File.ReadAllLines(Path.Combine(ev, "request-log.jsonl"));
        Assert.Equal(2 + 1 + 4, lines.Length);
        Assert.Equal(30 + 1, lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("batch_size").GetInt32()).Sum());
    }

    [Fact]
    public void AnAnswerOfNoKnownFormFailsNamingWhatCameBack()
    {
        var body = System.Text.Encoding.UTF8.GetBytes("""{"outputs":[{"name":"embedding","datatype":"FP32","shape":[2,3,4],"data":[1,2,3,4,5,6,7,8,9,10,11,12,1,2,3,4,5,6,7,8,9,10,11,12]}]}""");
        var e = Assert.Throws<InvalidDataException>(() => OutputFormatDetector.Detect(null, body, 2, Classes, "http://x/infer"));
        Assert.Contains("embedding FP32[2, 3, 4]", e.Message);
        Assert.Contains("--mode", e.Message);
    }
}
