using Google.Protobuf;
using Lineage.Engine.Onnx.Proto;
using DataType = Lineage.Engine.Onnx.Proto.TensorProto.Types.DataType;

namespace Lineage.Engine.Onnx;

/// <summary>A declared graph input: element type and dimensions (-1 where symbolic, e.g. the batch).</summary>
public sealed record OnnxInputInfo(string Name, bool IsFloat, int[] Shape);

/// <summary>
/// A parsed and checked ONNX graph. Loading rejects ops outside <see cref="OpTable"/> (naming op, node
/// and opset) and folds every node whose inputs are all constants; running walks the remaining nodes in
/// file order (ONNX requires topological order), so float values flow through engine ops only while
/// the integer shape side-graph is evaluated on small arrays with the actual input shape.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>Opsets 18–22 changed the supported ops only in ways handled here (Reduce* axes and Pad axes as inputs, 18;
    /// AveragePool dilations, 19, refused unless 1; Gelu, 20, and Mish, 18, as ops) or in data types the importer
    /// does not take (float8, int4, bfloat16 variants).</summary>
    public const int MinOpset = 1, MaxOpset = 22;

    public string File { get; }
    public int Opset { get; }
    public IReadOnlyList<OnnxInputInfo> Inputs { get; }
    public IReadOnlyList<string> Outputs { get; }
    /// <summary>Float initializers by ONNX name (the model's weights, statistics and float constants).</summary>
    public IReadOnlyDictionary<string, Tensor> FloatInitializers { get; }
    /// <summary>Float initializers read only as BatchNormalization mean or variance: buffers, not parameters.</summary>
    public IReadOnlySet<string> StatisticInitializers { get; }

    readonly Dictionary<string, OnnxValue> constants = new();
    readonly List<(OnnxNode node, OpHandler handler)> program = new();

    OnnxGraph(ModelProto model, string file)
    {
        File = file;
        var g = model.Graph ?? throw new InvalidDataException($"{file}: the model has no graph");
        if (g.Node.Count == 0 && g.Output.Count == 0) throw new InvalidDataException($"{file}: the graph is empty");
        var opsets = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").ToList();
        if (opsets.Count == 0) throw new InvalidDataException($"{file}: the model imports no opset of the default ONNX domain");
        Opset = (int)opsets.Max(o => o.Version);
        if (Opset < MinOpset || Opset > MaxOpset)
            throw new NotSupportedException($"{file}: opset {Opset} is outside the range the Lineage importer supports ({MinOpset}–{MaxOpset})");

        var floats = new Dictionary<string, Tensor>();
        foreach (var init in g.Initializer)
        {
            if (string.IsNullOrEmpty(init.Name)) throw new InvalidDataException($"{file}: an initializer has no name");
            var v = TensorProtoReader.Read(init, file);
            if (v.IsFloat) floats[init.Name] = v.Float!;
            else constants[init.Name] = v;
        }
        if (g.SparseInitializer.Count > 0) throw new NotSupportedException($"{file}: sparse initializers are not supported");
        FloatInitializers = floats;

        Inputs = g.Input.Where(i => !floats.ContainsKey(i.Name) && !constants.ContainsKey(i.Name)).Select(i => Describe(i, file)).ToList();
        Outputs = g.Output.Select(o => o.Name).ToList();
        if (Outputs.Count == 0) throw new InvalidDataException($"{file}: the graph declares no outputs; expected at least one (a classifier's logits)");

        var statistics = new HashSet<string>();
        var otherUses = new HashSet<string>();
        var defined = new HashSet<string>(Inputs.Select(i => i.Name).Concat(floats.Keys).Concat(constants.Keys));
        for (int i = 0; i < g.Node.Count; i++)
        {
            var node = new OnnxNode(g.Node[i], i, Opset, file);
            if (node.Proto.Domain is not ("" or "ai.onnx"))
                throw new NotSupportedException($"{node.Describe()}: ops of domain '{node.Proto.Domain}' are not supported by the Lineage ONNX importer");
            if (!OpTable.TryGet(node.OpType, out var handler))
                throw new NotSupportedException($"{node.Describe()}: op '{node.OpType}' is not supported by the Lineage ONNX importer");
            for (int k = 0; k < node.Inputs.Count; k++)
            {
                var name = node.Inputs[k];
                if (name.Length == 0) continue;
                if (!defined.Contains(name)) throw new InvalidDataException($"{node.Describe()}: input '{name}' is not produced by any earlier node, initializer or graph input");
                if (node.OpType == "BatchNormalization" && k >= 3) statistics.Add(name); else otherUses.Add(name);
            }
            foreach (var o in node.Outputs) if (o.Length > 0) defined.Add(o);
            program.Add((node, handler));
        }
        foreach (var o in Outputs) if (!defined.Contains(o)) throw new InvalidDataException($"{file}: graph output '{o}' is not produced by any node");
        statistics.ExceptWith(otherUses);
        statistics.IntersectWith(floats.Keys);
        StatisticInitializers = statistics;
        FoldConstants();
        fused = Fusion.Find(program.Select(p => p.node).ToList(), Outputs.ToHashSet());
    }

    /// <summary>Runs of nodes executed as one fused engine op (<see cref="Fusion"/>), by program index.</summary>
    readonly Dictionary<int, FusedRun> fused;

    /// <summary>How many node runs execute fused.</summary>
    public int FusedRuns => fused.Count;

    public static OnnxGraph Load(string path)
    {
        byte[] bytes;
        try { bytes = Lineage.Engine.IO.RegularFile.ReadAll(path); }
        catch (FileNotFoundException) { throw new FileNotFoundException($"ONNX model {path} does not exist", path); }
        return Parse(bytes, path);
    }

    public static OnnxGraph Parse(byte[] bytes, string file)
    {
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(bytes); }
        // Google.Protobuf reports some malformed input (a group or packed field cut short) with ArgumentOutOfRange or
        // IndexOutOfRange rather than its own exception (found by the onnx fuzz harness)
        catch (Exception e) when (e is InvalidProtocolBufferException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"{file}: not a valid ONNX model (protobuf: {e.Message})", e);
        }
        return new OnnxGraph(model, file);
    }

    static OnnxInputInfo Describe(ValueInfoProto info, string file)
    {
        var tensorType = info.Type?.TensorType;
        if (tensorType == null) throw new NotSupportedException($"{file}: graph input '{info.Name}' is not a tensor");
        var elem = (DataType)tensorType.ElemType;
        bool isFloat = elem is DataType.Float or DataType.Double or DataType.Float16 or DataType.Bfloat16;
        var shape = tensorType.Shape?.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? (int)d.DimValue : -1).ToArray() ?? [];
        return new OnnxInputInfo(info.Name, isFloat, shape);
    }

    /// <summary>Evaluates, once, the nodes that depend only on constants (Constant nodes, integer
    /// initializers and what is computed from them), so runs skip them.</summary>
    void FoldConstants()
    {
        var kept = new List<(OnnxNode, OpHandler)>();
        foreach (var (node, handler) in program)
        {
            bool constant = node.Inputs.All(i => i.Length == 0 || constants.ContainsKey(i));
            if (!constant) { kept.Add((node, handler)); continue; }
            var outputs = Execute(node, handler, node.Inputs.Select(i => i.Length == 0 ? null : constants[i]).ToArray());
            for (int k = 0; k < node.Outputs.Count; k++)
                if (node.Outputs[k].Length > 0 && outputs[k] is { } v)
                    // folded floats come from the buffer pool; a scope open while loading must not reclaim them
                    constants[node.Outputs[k]] = v.IsFloat ? OnnxValue.Of(v.Float!.ClonePersistent()) : v;
        }
        program.Clear();
        program.AddRange(kept);
    }

    /// <summary>Runs the graph. Initializers are read through <paramref name="initializer"/> on every
    /// run, so the values of the owning module (possibly trained or reloaded) are the ones used.</summary>
    public Dictionary<string, OnnxValue> Run(Func<string, Tensor> initializer, IReadOnlyDictionary<string, OnnxValue> inputs)
    {
        var env = new Dictionary<string, OnnxValue>(constants);
        foreach (var name in FloatInitializers.Keys) env[name] = OnnxValue.Of(initializer(name));
        foreach (var info in Inputs)
        {
            if (!inputs.TryGetValue(info.Name, out var v)) throw new ArgumentException($"{File}: no value given for graph input '{info.Name}'");
            env[info.Name] = v;
        }
        OnnxValue?[] Args(OnnxNode node)
        {
            var args = new OnnxValue?[node.Inputs.Count];
            for (int k = 0; k < args.Length; k++) args[k] = node.Inputs[k].Length == 0 || !env.TryGetValue(node.Inputs[k], out var v) ? null : v;
            return args;
        }
        for (int p = 0; p < program.Count; p++)
        {
            if (Fusion.Enabled && fused.TryGetValue(p, out var run) && RunFused(run, p, Args, env)) { p += run.Length - 1; continue; }
            var (node, handler) = program[p];
            var outputs = Execute(node, handler, Args(node));
            for (int k = 0; k < node.Outputs.Count; k++)
                if (node.Outputs[k].Length > 0 && outputs[k] != null) env[node.Outputs[k]] = outputs[k]!;
        }
        return Outputs.ToDictionary(o => o, o => env[o]);
    }

    /// <summary>Runs a fused run into the environment; false when the fused op does not take it (the caller then runs
    /// its nodes one by one). Errors name the run's first node, as the node-by-node run would.</summary>
    bool RunFused(FusedRun run, int at, Func<OnnxNode, OnnxValue?[]> args, Dictionary<string, OnnxValue> env)
    {
        var nodes = Enumerable.Range(at, run.Length).Select(i => program[i].node).ToList();
        Tensor? y;
        try { y = Fusion.Run(run, nodes, nodes.Select(args).ToList()); }
        catch (Exception e) when (!e.Message.StartsWith(nodes[0].Describe(), StringComparison.Ordinal)) { throw InNode(nodes[0], e); }
        if (y == null) return false;
        env[nodes[^1].Outputs[0]] = OnnxValue.Of(y);
        return true;
    }

    /// <summary>Engine errors say what was wrong with the tensors; this adds where in the model it happened.</summary>
    static Exception InNode(OnnxNode node, Exception e) => e is NotSupportedException
        ? new NotSupportedException($"{node.Describe()}: {e.Message}", e)
        : new InvalidDataException($"{node.Describe()}: {e.Message}", e);

    static OnnxValue?[] Execute(OnnxNode node, OpHandler handler, OnnxValue?[] args)
    {
        OnnxValue?[] outputs;
        try { outputs = handler(node, args); }
        catch (Exception e) when (!e.Message.StartsWith(node.Describe(), StringComparison.Ordinal)) { throw InNode(node, e); }
        if (outputs.Length < node.Outputs.Count)
        {
            for (int k = outputs.Length; k < node.Outputs.Count; k++)
                if (node.Outputs[k].Length > 0) throw node.Unsupported($"output {k} ('{node.Outputs[k]}')");
            Array.Resize(ref outputs, node.Outputs.Count);
        }
        return outputs;
    }
}
