using System.Text;
using Lineage.Engine.Onnx;
using Lineage.Engine.Onnx.Proto;
using Xunit.Abstractions;

namespace Lineage.Engine.Tests.Onnx;

/// <summary>
/// Runs ONNX's own per-operator node tests (model.onnx + test_data_set_0) for every supported op and
/// compares within 1e-4 (rtol and atol). A case the importer rejects as unsupported (an attribute or
/// data type it does not implement) is reported, not failed; a wrong result or any other error fails.
/// The table written to onnx-conformance.md beside the test assembly is the one in docs/onnx.md.
/// </summary>
public class OnnxConformanceTests(ITestOutputHelper output)
{
    const double Tolerance = 1e-4;

    enum Outcome { Passed, Unsupported, Failed }

    [OnnxTestDataFact]
    public void NodeTestsOfSupportedOpsPass()
    {
        var root = OnnxTestData.NodeDirectory!;
        var results = new SortedDictionary<string, List<(string Case, Outcome Outcome, string Detail)>>(StringComparer.Ordinal);
        foreach (var op in OnnxModel.SupportedOps) results[op] = new();
        foreach (var dir in Directory.GetDirectories(root, "test_*").OrderBy(d => d, StringComparer.Ordinal))
        {
            var name = Path.GetFileName(dir);
            if (name.EndsWith("_expanded", StringComparison.Ordinal)) continue;
            var modelPath = Path.Combine(dir, "model.onnx");
            if (!File.Exists(modelPath)) continue;
            var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath));
            // a node test holds a single node; its op type (not the directory name) decides the op
            if (model.Graph.Node.Count != 1 || !results.TryGetValue(model.Graph.Node[0].OpType, out var list)) continue;
            var (outcome, detail) = RunCase(dir, modelPath);
            list.Add((name, outcome, detail));
        }

        var report = Report(results);
        output.WriteLine(report);
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "onnx-conformance.md"), report);
        var failed = results.SelectMany(kv => kv.Value).Where(r => r.Outcome == Outcome.Failed).ToList();
        Assert.True(failed.Count == 0, "failing node tests:\n" + string.Join("\n", failed.Select(f => $"{f.Case}: {f.Detail}")));
        Assert.True(results.Values.Sum(l => l.Count(r => r.Outcome == Outcome.Passed)) > 100, "fewer than 100 node tests passed: is the test data complete?");
    }

    static (Outcome, string) RunCase(string dir, string modelPath)
    {
        var mismatch = TypeMismatch(dir, ModelProto.Parser.ParseFrom(File.ReadAllBytes(modelPath)).Graph);
        if (mismatch != null) return (Outcome.Unsupported, mismatch);
        try
        {
            var model = OnnxModel.Load(modelPath);
            var set = Path.Combine(dir, "test_data_set_0");
            var inputs = new Dictionary<string, Tensor>();
            for (int i = 0; i < model.Inputs.Count; i++)
                inputs[model.Inputs[i].Name] = TensorProtoReader.ReadFile(Path.Combine(set, $"input_{i}.pb")).ToFloat();
            var actual = model.Run(inputs);
            for (int i = 0; i < model.Outputs.Count; i++)
            {
                var expected = TensorProtoReader.ReadFile(Path.Combine(set, $"output_{i}.pb")).ToFloat();
                var got = actual[model.Outputs[i]];
                if (!expected.SameShape(got))
                    return (Outcome.Failed, $"output {i} has shape {Tensor.FormatShape(got.Shape)}, expected {Tensor.FormatShape(expected.Shape)}");
                for (int k = 0; k < expected.Size; k++)
                {
                    double e = expected.Data[k], a = got.Data[k];
                    bool same = double.IsNaN(e) ? double.IsNaN(a) : Math.Abs(e - a) <= Tolerance + Tolerance * Math.Abs(e) || e == a;
                    if (!same) return (Outcome.Failed, $"output {i}[{k}] = {a:G9}, expected {e:G9}");
                }
            }
            return (Outcome.Passed, "");
        }
        catch (NotSupportedException e) { return (Outcome.Unsupported, e.Message); }
        catch (Exception e) { return (Outcome.Failed, e.GetType().Name + ": " + e.Message); }
    }

    /// <summary>Some cases of ONNX 1.12 store their data in another type than the graph declares (bfloat16
    /// as uint16 numbers); they cannot be compared, and are reported as such.</summary>
    static string? TypeMismatch(string dir, GraphProto graph)
    {
        var set = Path.Combine(dir, "test_data_set_0");
        var inputs = graph.Input.Where(i => graph.Initializer.All(t => t.Name != i.Name));
        var declared = inputs.Select((info, k) => ("input", k, info)).Concat(graph.Output.Select((info, k) => ("output", k, info)));
        foreach (var (kind, k, info) in declared)
        {
            var file = Path.Combine(set, $"{kind}_{k}.pb");
            if (!File.Exists(file)) continue;
            var stored = (TensorProto.Types.DataType)TensorProto.Parser.ParseFrom(File.ReadAllBytes(file)).DataType;
            var expected = (TensorProto.Types.DataType)(info.Type?.TensorType?.ElemType ?? 0);
            if (expected != TensorProto.Types.DataType.Undefined && stored != expected)
                return $"test data stores {kind} {k} as {stored} but the model declares {expected}";
        }
        return null;
    }

    static string Report(SortedDictionary<string, List<(string Case, Outcome Outcome, string Detail)>> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| op | cases | passed | not passed (reason) |");
        sb.AppendLine("|---|---:|---:|---|");
        foreach (var (op, list) in results)
        {
            var others = list.Where(r => r.Outcome != Outcome.Passed).Select(r => $"{r.Case}: {Reason(r.Detail)}");
            sb.AppendLine($"| {op} | {list.Count} | {list.Count(r => r.Outcome == Outcome.Passed)} | {string.Join("; ", others)} |");
        }
        int total = results.Values.Sum(l => l.Count), passed = results.Values.Sum(l => l.Count(r => r.Outcome == Outcome.Passed));
        sb.AppendLine($"| **total** | {total} | {passed} | |");
        return sb.ToString();
    }

    /// <summary>What was unsupported: the message without the file and node it names.</summary>
    static string Reason(string detail)
    {
        foreach (var marker in new[] { ".onnx: ", ".pb: " })
        {
            int i = detail.LastIndexOf(marker, StringComparison.Ordinal);
            if (i >= 0) { detail = detail[(i + marker.Length)..]; break; }
        }
        return detail.Replace("|", "\\|").Replace(" is not supported by the Lineage ONNX importer", " unsupported");
    }
}
