namespace Lineage.Engine.Nn;

/// <summary>
/// A layer or model with named parameters, buffers and sub-modules, as torch.nn.Module: state-dict
/// names are dotted paths ("features.0.weight"), so weights map one to one onto PyTorch and ONNX.
/// Layers keep their tensors only in these registries (read back through properties), which is
/// what lets <see cref="Clone"/> deep-copy any model.
/// </summary>
public abstract class Module
{
    List<string> parameterNames = new();
    Dictionary<string, Tensor?> parameters = new();
    List<string> bufferNames = new();
    Dictionary<string, Tensor?> buffers = new();
    List<string> moduleNames = new();
    Dictionary<string, Module> modules = new();

    /// <summary>True in training mode (dropout active, batch-norm uses batch statistics).</summary>
    public bool Training { get; private set; } = true;

    public abstract Tensor Forward(Tensor input);

    public Tensor Call(Tensor input) => Forward(input);

    // ---------- registration ----------

    /// <summary>Registers a trainable tensor (made persistent and requiring grad).</summary>
    protected Tensor RegisterParameter(string name, Tensor value)
    {
        CheckName(name);
        var p = value.IsLeaf ? value : value.Detach().ClonePersistent();
        p.RequiresGrad = true;
        if (!parameters.ContainsKey(name)) parameterNames.Add(name);
        parameters[name] = p;
        return p;
    }

    /// <summary>Registers an optional parameter slot that is absent (e.g. a conv without bias).</summary>
    protected void RegisterAbsentParameter(string name)
    {
        CheckName(name);
        if (!parameters.ContainsKey(name)) parameterNames.Add(name);
        parameters[name] = null;
    }

    /// <summary>Registers non-trainable state saved in the state dict (running statistics).</summary>
    protected Tensor RegisterBuffer(string name, Tensor value)
    {
        CheckName(name);
        if (!buffers.ContainsKey(name)) bufferNames.Add(name);
        buffers[name] = value;
        return value;
    }

    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name);
        if (!modules.ContainsKey(name)) moduleNames.Add(name);
        modules[name] = module;
        return module;
    }

    static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.')) throw new ArgumentException($"invalid module member name '{name}' (non-empty, no dots)");
    }

    protected Tensor? Param(string name) => parameters[name];
    protected Tensor Buffer(string name) => buffers[name] ?? throw new InvalidOperationException($"buffer {name} is absent");
    protected void SetBuffer(string name, Tensor value) => buffers[name] = value;
    protected Module Child(string name) => modules[name];

    // ---------- traversal ----------

    public IEnumerable<(string Name, Module Module)> NamedChildren() => moduleNames.Select(n => (n, modules[n]));

    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var n in moduleNames)
            foreach (var x in modules[n].NamedModules(Join(prefix, n))) yield return x;
    }

    public IEnumerable<(string Name, Tensor Tensor)> NamedParameters(string prefix = "")
    {
        foreach (var n in parameterNames) if (parameters[n] is Tensor p) yield return (Join(prefix, n), p);
        foreach (var m in moduleNames)
            foreach (var x in modules[m].NamedParameters(Join(prefix, m))) yield return x;
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Tensor);

    /// <summary>Parameters that currently require gradients (frozen ones are skipped).</summary>
    public IEnumerable<Tensor> TrainableParameters() => Parameters().Where(p => p.RequiresGrad);

    public IEnumerable<(string Name, Tensor Tensor)> NamedBuffers(string prefix = "")
    {
        foreach (var n in bufferNames) if (buffers[n] is Tensor b) yield return (Join(prefix, n), b);
        foreach (var m in moduleNames)
            foreach (var x in modules[m].NamedBuffers(Join(prefix, m))) yield return x;
    }

    static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    public long ParameterCount() => Parameters().Sum(p => (long)p.Size);

    // ---------- state dict ----------

    /// <summary>Parameters and buffers by dotted name, in registration order (PyTorch's order).</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>();
        foreach (var (n, t) in StateEntries("")) d[n] = t;
        return d;
    }

    IEnumerable<(string, Tensor)> StateEntries(string prefix)
    {
        foreach (var n in parameterNames) if (parameters[n] is Tensor p) yield return (Join(prefix, n), p);
        foreach (var n in bufferNames) if (buffers[n] is Tensor b) yield return (Join(prefix, n), b);
        foreach (var m in moduleNames)
            foreach (var x in modules[m].StateEntries(Join(prefix, m))) yield return x;
    }

    /// <summary>Copies values into this module's tensors. Every name and shape must match when strict;
    /// errors list what was missing, unexpected or mis-shaped.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var own = StateDict();
        var problems = new List<string>();
        foreach (var (name, t) in own)
        {
            if (!state.TryGetValue(name, out var src)) { if (strict) problems.Add($"missing '{name}' {Tensor.FormatShape(t.Shape)}"); continue; }
            if (!src.SameShape(t)) { problems.Add($"'{name}' has shape {Tensor.FormatShape(src.Shape)}, the model expects {Tensor.FormatShape(t.Shape)}"); continue; }
        }
        if (strict) foreach (var name in state.Keys) if (!own.ContainsKey(name)) problems.Add($"unexpected '{name}'");
        if (problems.Count > 0) throw new InvalidDataException("state dict does not match the model: " + string.Join("; ", problems));
        foreach (var (name, t) in own)
            if (state.TryGetValue(name, out var src)) src.Span.CopyTo(t.Span);
    }

    // ---------- modes ----------

    public Module Train(bool mode = true)
    {
        Training = mode;
        foreach (var n in moduleNames) modules[n].Train(mode);
        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>Sets RequiresGrad on every parameter (freeze with false).</summary>
    public void SetRequiresGrad(bool value)
    {
        foreach (var p in Parameters()) p.RequiresGrad = value;
    }

    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.DropGrad();
    }

    // ---------- structure ----------

    /// <summary>The sub-module at a dotted path ("" is this module).</summary>
    public Module GetModule(string path)
    {
        Module m = this;
        if (path.Length == 0) return m;
        foreach (var part in path.Split('.'))
            if (!m.modules.TryGetValue(part, out m!)) throw new KeyNotFoundException($"no sub-module '{path}' (at '{part}')");
        return m;
    }

    /// <summary>Replaces the sub-module at a dotted path, e.g. a new classifier head for transfer learning.</summary>
    public void ReplaceModule(string path, Module replacement)
    {
        int dot = path.LastIndexOf('.');
        var parent = dot < 0 ? this : GetModule(path[..dot]);
        var name = dot < 0 ? path : path[(dot + 1)..];
        if (!parent.modules.ContainsKey(name)) throw new KeyNotFoundException($"no sub-module '{path}' to replace");
        parent.modules[name] = replacement;
    }

    /// <summary>A deep copy: same structure and values, independent tensors (no gradients copied).</summary>
    public Module Clone()
    {
        var copy = (Module)MemberwiseClone();
        copy.parameterNames = new List<string>(parameterNames);
        copy.bufferNames = new List<string>(bufferNames);
        copy.moduleNames = new List<string>(moduleNames);
        copy.parameters = parameters.ToDictionary(kv => kv.Key, kv =>
        {
            if (kv.Value == null) return null;
            var t = kv.Value.ClonePersistent();
            t.RequiresGrad = kv.Value.RequiresGrad;
            return (Tensor?)t;
        });
        copy.buffers = buffers.ToDictionary(kv => kv.Key, kv => kv.Value?.ClonePersistent());
        copy.modules = modules.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        copy.OnCloned();
        return copy;
    }

    /// <summary>Called on the copy after <see cref="Clone"/> for layers with other mutable state.</summary>
    protected virtual void OnCloned() { }

    public override string ToString() => Describe("");

    string Describe(string indent)
    {
        var head = GetType().Name + ExtraRepr();
        if (moduleNames.Count == 0) return head;
        var lines = moduleNames.Select(n => $"{indent}  ({n}): {modules[n].Describe(indent + "  ")}");
        return head + "(\n" + string.Join("\n", lines) + $"\n{indent})";
    }

    /// <summary>Layer settings shown by ToString, e.g. "(784 -> 10)".</summary>
    protected virtual string ExtraRepr() => "";
}

/// <summary>Modules for which a deep copy is typed.</summary>
public static class ModuleExtensions
{
    public static T DeepCopy<T>(this T module) where T : Module => (T)module.Clone();
}
