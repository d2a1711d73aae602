using Google.Protobuf;
using Lineage.Engine.Onnx.Proto;

namespace Lineage.Engine.Tests.Onnx;

/// <summary>Builds small ONNX models in memory for importer tests.</summary>
internal sealed class GraphBuilder(int opset)
{
    readonly GraphProto graph = new() { Name = "test" };

    public GraphBuilder Input(string name, params long[] shape) => Value(graph.Input, name, TensorProto.Types.DataType.Float, shape);
    public GraphBuilder Output(string name) => Value(graph.Output, name, TensorProto.Types.DataType.Float, null);

    GraphBuilder Value(Google.Protobuf.Collections.RepeatedField<ValueInfoProto> list, string name, TensorProto.Types.DataType type, long[]? shape)
    {
        var tt = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (shape != null)
        {
            tt.Shape = new TensorShapeProto();
            foreach (var d in shape)
                tt.Shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        list.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tt } });
        return this;
    }

    public GraphBuilder Initializer(string name, Tensor value)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(value.Shape.Select(d => (long)d));
        t.FloatData.AddRange(value.ToArray());
        graph.Initializer.Add(t);
        return this;
    }

    public GraphBuilder IntInitializer(string name, params long[] values)
        => VectorInitializer(name, TensorProto.Types.DataType.Int64, values.Length, t => t.Int64Data.AddRange(values));

    /// <summary>A boolean vector initializer (values 0 or 1, stored as ONNX stores booleans: in int32_data).</summary>
    public GraphBuilder BoolInitializer(string name, params int[] values)
        => VectorInitializer(name, TensorProto.Types.DataType.Bool, values.Length, t => t.Int32Data.AddRange(values));

    GraphBuilder VectorInitializer(string name, TensorProto.Types.DataType type, int length, Action<TensorProto> fill)
    {
        var t = new TensorProto { Name = name, DataType = (int)type };
        t.Dims.Add(length);
        fill(t);
        graph.Initializer.Add(t);
        return this;
    }

    public GraphBuilder Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = op.ToLowerInvariant() + graph.Node.Count };
        n.Input.AddRange(inputs); n.Output.AddRange(outputs); n.Attribute.AddRange(attributes);
        graph.Node.Add(n);
        return this;
    }

    public static AttributeProto Int(string name, long v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = v };
    public static AttributeProto Float(string name, float v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = v };
    public static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    public byte[] Bytes()
    {
        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "Lineage tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model.ToByteArray();
    }
}
