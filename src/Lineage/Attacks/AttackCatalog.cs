namespace Lineage.Attacks;

/// <summary>One catalog entry: the attack's name, category, one-line description and declared parameters.</summary>
public sealed record AttackInfo(string Name, AttackCategory Category, string Description, IReadOnlyList<AttackParameter> Parameters);

/// <summary>
/// Every attack by name, so zoo specs and the CLI can build one from a name and string parameters. Unknown names
/// and parameters, and values that do not parse, are rejected here — before any training starts — with a message
/// naming the entry and listing the valid choices.
/// </summary>
public static class AttackCatalog
{
    sealed record Entry(AttackInfo Info, Func<IReadOnlyDictionary<string, string>?, IAttack> Create);

    static readonly Entry[] Entries =
    [
        new(new(IndependentAttack.AttackName, AttackCategory.Independent, "no attack: a model trained from scratch on the thief's data (negative)", IndependentAttack.Declared), p => new IndependentAttack(p)),
        new(new("ftll", AttackCategory.FineTuning, "fine-tune the last layer only (CAE)", FineTuneAttack.Declared), p => new FineTuneAttack(FineTuneKind.Ftll, p)),
        new(new("ftal", AttackCategory.FineTuning, "fine-tune all layers (CAE; SAC Finetune-A)", FineTuneAttack.Declared), p => new FineTuneAttack(FineTuneKind.Ftal, p)),
        new(new("rtll", AttackCategory.FineTuning, "re-initialise the last layer and train only it (CAE)", FineTuneAttack.Declared), p => new FineTuneAttack(FineTuneKind.Rtll, p)),
        new(new("rtal", AttackCategory.FineTuning, "re-initialise the last layer and train all layers (CAE)", FineTuneAttack.Declared), p => new FineTuneAttack(FineTuneKind.Rtal, p)),
        new(new(PruneAttack.AttackName, AttackCategory.Pruning, "weight-magnitude pruning, then fine-tuning with the mask held", PruneAttack.Declared), p => new PruneAttack(p)),
        new(new(FinePruneAttack.AttackName, AttackCategory.Pruning, "Fine-Pruning: prune the last conv layer's least active channels, then fine-tune (Liu et al. 2018; SAC)", FinePruneAttack.Declared), p => new FinePruneAttack(p)),
        new(new(WeightNoiseAttack.AttackName, AttackCategory.WeightPerturbation, "Gaussian weight noise, then fine-tuning", WeightNoiseAttack.Declared), p => new WeightNoiseAttack(p)),
        new(new(QuantizeAttack.AttackName, AttackCategory.WeightPerturbation, "INT8 symmetric post-training quantisation of the weights", QuantizeAttack.Declared), p => new QuantizeAttack(p)),
        new(new("transfer-l", AttackCategory.Transfer, "transfer to a new label space, training the new head only (SAC Transfer-L)", TransferAttack.Declared), p => new TransferAttack(false, p)),
        new(new("transfer-a", AttackCategory.Transfer, "transfer to a new label space, training all layers (SAC Transfer-A)", TransferAttack.Declared), p => new TransferAttack(true, p)),
        new(new(ExtractLabelsAttack.AttackName, AttackCategory.Extraction, "label-based extraction (SAC Extract-L)", ExtractLabelsAttack.Declared), p => new ExtractLabelsAttack(p)),
        new(new(ExtractProbabilitiesAttack.AttackName, AttackCategory.Extraction, "probability-based extraction, SAC Eq. 9 (Extract-P)", ExtractProbabilitiesAttack.Declared), p => new ExtractProbabilitiesAttack(p)),
        new(new(ExtractAdversarialAttack.AttackName, AttackCategory.Extraction, "label extraction + PGD adversarial training on the source's labels, SAC Eq. 6 (Extract-Adv)", ExtractAdversarialAttack.Declared), p => new ExtractAdversarialAttack(p)),
        new(new(RetrainingAttack.AttackName, AttackCategory.Extraction, "distillation at T = 1 on the source's probabilities (CAE Retraining)", RetrainingAttack.Declared), p => new RetrainingAttack(p)),
        new(new(JagielskiAttack.AttackName, AttackCategory.Extraction, "soft labels exp(p^(1/T')) normalised (CAE Eq. 4, Jagielski et al.)", JagielskiAttack.Declared), p => new JagielskiAttack(p)),
        new(new(KnockoffAttack.AttackName, AttackCategory.Extraction, "Knockoff Nets: random transfer-set queries, trained on the answered probabilities", KnockoffAttack.Declared), p => new KnockoffAttack(p)),
        new(new(PapernotAttack.AttackName, AttackCategory.Extraction, "Papernot et al.: substitute training with Jacobian-based augmentation", PapernotAttack.Declared), p => new PapernotAttack(p)),
        new(new(AdversarialTrainingAttack.AttackName, AttackCategory.AdversarialTraining, "fine-tuning with FGSM or PGD examples for a fraction of each batch (CAE)", AdversarialTrainingAttack.Declared), p => new AdversarialTrainingAttack(p)),
        new(new(EnsembleAttack.AttackName, AttackCategory.Adaptive, "n surrogates on disjoint data, average voting (CAE Ensemble)", EnsembleAttack.Declared), p => new EnsembleAttack(p)),
        new(new(PredictionNoiseAttack.AttackName, AttackCategory.Adaptive, "uniform noise λ mixed into the source's probabilities before training (CAE Noise)", PredictionNoiseAttack.Declared), p => new PredictionNoiseAttack(p)),
        new(new(TrueLabelsAttack.AttackName, AttackCategory.Adaptive, "a fraction ρ of ground-truth labels mixed with the source's (CAE True Labels)", TrueLabelsAttack.Declared), p => new TrueLabelsAttack(p)),
    ];

    public static IReadOnlyList<AttackInfo> All => Entries.Select(e => e.Info).ToArray();

    public static IReadOnlyCollection<string> Names => Entries.Select(e => e.Info.Name).ToArray();

    public static AttackInfo Describe(string name) => Find(name).Info;

    /// <summary>Builds an attack; throws <see cref="ArgumentException"/> for an unknown name, unknown parameter or bad value.</summary>
    public static IAttack Create(string name, IReadOnlyDictionary<string, string>? parameters = null) => Find(name).Create(parameters);

    /// <summary>Parses "key=value" strings (the CLI's --param and zoo specs); keys are case-sensitive, later ones win.</summary>
    public static Dictionary<string, string> ParseParameters(IEnumerable<string> pairs)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"attack parameter '{pair}' is not of the form key=value");
            result[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }
        return result;
    }

    static Entry Find(string name) =>
        Entries.FirstOrDefault(e => e.Info.Name == name.Trim().ToLowerInvariant())
        ?? throw new ArgumentException($"unknown attack '{name}'; choose one of: {string.Join(", ", Entries.Select(e => e.Info.Name))}");
}
