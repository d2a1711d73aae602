namespace Lineage.Engine.Optim;

/// <summary>
/// Base of the optimisers: parameter groups with their own hyper-parameters, per-parameter state,
/// <see cref="ZeroGrad"/> and <see cref="Step"/>. Steps run under no-grad, skip parameters without a
/// gradient, and update parameters in place with vectorised kernels.
/// </summary>
public abstract class Optimizer
{
    readonly List<ParamGroup> groups;
    readonly Dictionary<Tensor, ParamState> state = new(ReferenceEqualityComparer.Instance);

    public IReadOnlyList<ParamGroup> ParamGroups => groups;

    /// <param name="fillDefaults">Sets every option the group leaves null to the optimiser's default.</param>
    protected Optimizer(IEnumerable<ParamGroup> paramGroups, Action<ParamGroup> fillDefaults)
    {
        groups = paramGroups.ToList();
        if (groups.Count == 0) throw new ArgumentException("optimizer got an empty parameter list");
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var g in groups)
        {
            foreach (var p in g.Params)
                if (!seen.Add(p)) throw new ArgumentException("some parameters appear in more than one parameter group");
            fillDefaults(g);
            if (g.Lr < 0) throw new ArgumentOutOfRangeException(nameof(paramGroups), $"invalid learning rate {g.Lr}");
            if (g.WeightDecay < 0) throw new ArgumentOutOfRangeException(nameof(paramGroups), $"invalid weight decay {g.WeightDecay}");
        }
    }

    protected static IEnumerable<ParamGroup> OneGroup(IEnumerable<Tensor> parameters) => [new ParamGroup(parameters)];

    /// <summary>Drops every gradient (PyTorch's zero_grad(set_to_none=True)); their buffers go back to the pool.</summary>
    public void ZeroGrad()
    {
        foreach (var g in groups) foreach (var p in g.Params) p.DropGrad();
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        using var _ = GradMode.NoGrad();
        foreach (var g in groups)
            foreach (var p in g.Params)
            {
                if (p.Grad == null) continue;
                if (!p.Grad.SameShape(p)) throw new InvalidOperationException($"gradient shape {Tensor.FormatShape(p.Grad.Shape)} differs from parameter shape {Tensor.FormatShape(p.Shape)}");
                if (!state.TryGetValue(p, out var s)) state[p] = s = new ParamState();
                Update(g, p, p.Grad, s);
            }
    }

    /// <summary>Updates one parameter in place from its gradient.</summary>
    protected abstract void Update(ParamGroup group, Tensor param, Tensor grad, ParamState state);

    /// <summary>The state of a parameter, or null before its first step.</summary>
    public ParamState? StateOf(Tensor param) => state.GetValueOrDefault(param);

    IEnumerable<(int Index, Tensor Param)> IndexedParams()
    {
        int i = 0;
        foreach (var g in groups) foreach (var p in g.Params) yield return (i++, p);
    }

    /// <summary>
    /// Everything needed to resume as named Persistent tensors (savable with SafeTensors):
    /// "state.{i}.step" and "state.{i}.{buffer}" for the i-th parameter over all groups in order (torch's
    /// numbering), and "param_groups.{g}.{option}"; scalars are stored as [hi, lo] float pairs (see Split).
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>();
        foreach (var (i, p) in IndexedParams())
        {
            if (!state.TryGetValue(p, out var s)) continue;
            d[$"state.{i}.step"] = Split(s.Step);
            foreach (var (name, t) in s.Buffers) d[$"state.{i}.{name}"] = t.ClonePersistent();
        }
        for (int gi = 0; gi < groups.Count; gi++)
            foreach (var (name, v) in groups[gi].Options()) d[$"param_groups.{gi}.{name}"] = Split(v);
        return d;
    }

    /// <summary>A double as two floats [hi, lo] with hi + lo ≈ v to about 1e-14 relative (integers exactly up
    /// to 2⁴⁸), so learning rates and step counts survive a float32 checkpoint.</summary>
    static Tensor Split(double v)
    {
        float hi = (float)v;
        return Tensor.FromArray([hi, (float)(v - hi)], 2);
    }

    static double Join(Tensor t, string key) => t.Size switch
    {
        1 => t.Data[0],
        2 => (double)t.Data[0] + t.Data[1],
        _ => throw new InvalidDataException($"optimiser state: '{key}' should hold 1 or 2 values, has {t.Size}"),
    };

    /// <summary>Restores what <see cref="StateDict"/> exported, for an optimiser built over the same
    /// parameters in the same order; buffer shapes must match their parameters.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> dict)
    {
        var byIndex = IndexedParams().ToDictionary(x => x.Index, x => x.Param);
        var loaded = new Dictionary<Tensor, ParamState>(ReferenceEqualityComparer.Instance);
        var groupOptions = new List<(int, string, double)>();
        foreach (var (key, t) in dict)
        {
            var parts = key.Split('.', 3);
            if (parts.Length != 3 || !int.TryParse(parts[1], out int idx))
                throw new InvalidDataException($"optimiser state: unexpected key '{key}'");
            if (parts[0] == "param_groups")
            {
                if (idx < 0 || idx >= groups.Count) throw new InvalidDataException($"optimiser state: '{key}' names group {idx}, the optimiser has {groups.Count}");
                double v = Join(t, key);
                new ParamGroup([]).SetOption(parts[2], v); // rejects unknown names before anything changes
                groupOptions.Add((idx, parts[2], v));
                continue;
            }
            if (parts[0] != "state") throw new InvalidDataException($"optimiser state: unexpected key '{key}'");
            if (!byIndex.TryGetValue(idx, out var p)) throw new InvalidDataException($"optimiser state: '{key}' names parameter {idx}, the optimiser has {byIndex.Count}");
            if (!loaded.TryGetValue(p, out var s)) loaded[p] = s = new ParamState();
            if (parts[2] == "step") s.Step = (long)Math.Round(Join(t, key));
            else
            {
                if (!t.SameShape(p)) throw new InvalidDataException($"optimiser state: '{key}' has shape {Tensor.FormatShape(t.Shape)}, parameter {idx} has {Tensor.FormatShape(p.Shape)}");
                s.Buffers[parts[2]] = t.ClonePersistent();
            }
        }
        state.Clear();
        foreach (var (p, s) in loaded) state[p] = s;
        foreach (var (g, name, v) in groupOptions) groups[g].SetOption(name, v);
    }
}
