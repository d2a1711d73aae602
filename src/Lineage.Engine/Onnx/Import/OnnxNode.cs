using Lineage.Engine.Onnx.Proto;

namespace Lineage.Engine.Onnx;

/// <summary>One node of an imported graph with typed access to its attributes, and errors that name
/// the node (name and index), its op and the model's opset, so a failure points into the file.</summary>
internal sealed class OnnxNode
{
    readonly NodeProto proto;
    public NodeProto Proto => proto;
    readonly Dictionary<string, AttributeProto> attributes = new();

    public OnnxNode(NodeProto proto, int index, int opset, string file)
    {
        this.proto = proto;
        Index = index; Opset = opset; File = file;
        foreach (var a in proto.Attribute) attributes[a.Name] = a;
    }

    public int Index { get; }
    public int Opset { get; }
    public string File { get; }
    public string OpType => proto.OpType;
    public string Name => proto.Name;
    public IReadOnlyList<string> Inputs => proto.Input;
    public IReadOnlyList<string> Outputs => proto.Output;

    public string Describe() => $"node #{Index}{(Name.Length > 0 ? $" '{Name}'" : "")} ({OpType}, opset {Opset}) in {File}";

    public bool Has(string name) => attributes.ContainsKey(name);

    public long Int(string name, long fallback) => attributes.TryGetValue(name, out var a) ? a.I : fallback;
    public float Float(string name, float fallback) => attributes.TryGetValue(name, out var a) ? a.F : fallback;
    public string String(string name, string fallback) => attributes.TryGetValue(name, out var a) ? a.S.ToStringUtf8() : fallback;
    public long[]? Ints(string name) => attributes.TryGetValue(name, out var a) ? a.Ints.ToArray() : null;
    public float[]? Floats(string name) => attributes.TryGetValue(name, out var a) ? a.Floats.ToArray() : null;
    public TensorProto? TensorAttribute(string name) => attributes.TryGetValue(name, out var a) ? a.T : null;

    public long RequiredInt(string name) => attributes.TryGetValue(name, out var a) ? a.I : throw Invalid($"the required attribute '{name}' is missing");

    public NotSupportedException Unsupported(string what) => new($"{Describe()}: {what} is not supported by the Lineage ONNX importer");
    public InvalidDataException Invalid(string what) => new($"{Describe()}: {what}");
}
