using Google.Protobuf;
using Lineage.Engine.Onnx.Proto;
using DataType = Lineage.Engine.Onnx.Proto.TensorProto.Types.DataType;

namespace Lineage.Engine.Onnx;

/// <summary>Accumulates the nodes and initializers of an exported graph and hands out unique names.</summary>
internal sealed class OnnxGraphWriter
{
    public GraphProto Graph { get; } = new() { Name = "lineage" };
    readonly HashSet<string> names = new();
    int counter;

    public string Fresh(string hint)
    {
        var name = hint;
        while (!names.Add(name)) name = $"{hint}_{++counter}";
        return name;
    }

    public string Node(string op, string[] inputs, params AttributeProto[] attributes) => Node(op, inputs, [Fresh(op.ToLowerInvariant())], attributes)[0];

    public string[] Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = Fresh($"{op}_{Graph.Node.Count}") };
        n.Input.AddRange(inputs); n.Output.AddRange(outputs); n.Attribute.AddRange(attributes);
        Graph.Node.Add(n);
        return outputs;
    }

    public string Floats(string hint, Tensor value, int[]? shape = null)
    {
        var t = new TensorProto { Name = Fresh(hint), DataType = (int)DataType.Float };
        t.Dims.AddRange((shape ?? value.Shape).Select(d => (long)d));
        var bytes = new byte[value.Size * 4];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(value.Span).CopyTo(bytes);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw data is little-endian");
        t.RawData = ByteString.CopyFrom(bytes);
        Graph.Initializer.Add(t);
        return t.Name;
    }

    public string Scalar(string hint, float value) => Floats(hint, Tensor.FromArray([value], []));

    public string Longs(string hint, params long[] values)
    {
        var t = new TensorProto { Name = Fresh(hint), DataType = (int)DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        Graph.Initializer.Add(t);
        return t.Name;
    }

    public static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };
    public static AttributeProto Float(string name, float v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = v };
    public static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    public static ValueInfoProto FloatValue(string name, IEnumerable<long?> dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is long v ? new TensorShapeProto.Types.Dimension { DimValue = v } : new TensorShapeProto.Types.Dimension { DimParam = "N" });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float, Shape = shape } } };
    }
}
