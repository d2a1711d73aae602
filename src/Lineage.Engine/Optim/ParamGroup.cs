namespace Lineage.Engine.Optim;

/// <summary>
/// A set of parameters with its own hyper-parameters, as an entry of torch's <c>optimizer.param_groups</c>.
/// Options left null take the optimiser's defaults when the optimiser is built; schedules change
/// <see cref="Lr"/> (and momentum / beta1) between steps.
/// </summary>
public sealed class ParamGroup
{
    public ParamGroup(IEnumerable<Tensor> parameters, double? lr = null, double? weightDecay = null)
    {
        Params = parameters.ToList();
        Lr = lr;
        WeightDecay = weightDecay;
    }

    public IReadOnlyList<Tensor> Params { get; }

    public double? Lr { get; set; }
    public double? WeightDecay { get; set; }
    /// <summary>SGD and RMSprop momentum.</summary>
    public double? Momentum { get; set; }
    /// <summary>SGD dampening.</summary>
    public double? Dampening { get; set; }
    public bool? Nesterov { get; set; }
    /// <summary>Adam/AdamW betas[0].</summary>
    public double? Beta1 { get; set; }
    /// <summary>Adam/AdamW betas[1].</summary>
    public double? Beta2 { get; set; }
    public double? Eps { get; set; }
    public bool? Amsgrad { get; set; }
    /// <summary>RMSprop smoothing constant.</summary>
    public double? Alpha { get; set; }
    public bool? Centered { get; set; }
    /// <summary>The learning rate a schedule starts from (torch's 'initial_lr'), set by the first schedule attached.</summary>
    public double? InitialLr { get; set; }

    /// <summary>The options that are set, by torch's names, for export with the optimiser state.</summary>
    internal IEnumerable<(string Name, double Value)> Options()
    {
        (string, double?)[] all =
        [
            ("lr", Lr), ("weight_decay", WeightDecay), ("momentum", Momentum), ("dampening", Dampening),
            ("nesterov", Nesterov is bool n ? (n ? 1 : 0) : null), ("beta1", Beta1), ("beta2", Beta2), ("eps", Eps),
            ("amsgrad", Amsgrad is bool a ? (a ? 1 : 0) : null), ("alpha", Alpha),
            ("centered", Centered is bool c ? (c ? 1 : 0) : null), ("initial_lr", InitialLr),
        ];
        foreach (var (name, v) in all) if (v is double d) yield return (name, d);
    }

    internal void SetOption(string name, double v)
    {
        switch (name)
        {
            case "lr": Lr = v; break;
            case "weight_decay": WeightDecay = v; break;
            case "momentum": Momentum = v; break;
            case "dampening": Dampening = v; break;
            case "nesterov": Nesterov = v != 0; break;
            case "beta1": Beta1 = v; break;
            case "beta2": Beta2 = v; break;
            case "eps": Eps = v; break;
            case "amsgrad": Amsgrad = v != 0; break;
            case "alpha": Alpha = v; break;
            case "centered": Centered = v != 0; break;
            case "initial_lr": InitialLr = v; break;
            default: throw new InvalidDataException($"unknown parameter-group option '{name}' in optimiser state");
        }
    }
}
