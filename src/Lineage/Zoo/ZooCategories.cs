namespace Lineage.Zoo;

/// <summary>
/// The category a zoo model is reported under. Names follow the rows of SAC's Table 1 (Finetune-A, Pruning,
/// Extract-L, …) and CAE's attack names (RTLL, Knockoff, …), so reports line up with the papers' tables.
/// </summary>
public static class ZooCategories
{
    public const string Source = "source", Independent = "independent";

    static readonly Dictionary<string, string> ByAttack = new(StringComparer.Ordinal)
    {
        ["ftal"] = "Finetune-A",
        ["ftll"] = "Finetune-L",
        ["rtal"] = "RTAL",
        ["rtll"] = "RTLL",
        ["prune"] = "Pruning",
        ["fine-prune"] = "Pruning",
        ["weight-noise"] = "Weight-Noise",
        ["quantize"] = "Quantize",
        ["transfer-a"] = "Transfer-A",
        ["transfer-l"] = "Transfer-L",
        ["extract-l"] = "Extract-L",
        ["extract-p"] = "Extract-P",
        ["extract-adv"] = "Extract-Adv",
        ["retraining"] = "Retraining",
        ["jagielski"] = "Jagielski",
        ["knockoff"] = "Knockoff",
        ["papernot"] = "Papernot",
        ["adv-train"] = "Adv-Train",
        ["ensemble"] = "Ensemble",
        ["noise"] = "Noise",
        ["true-labels"] = "True-Labels",
        ["independent"] = Independent,
    };

    /// <summary>The category of a model whose last step is <paramref name="attack"/>.</summary>
    public static string ForAttack(string attack) => ByAttack.TryGetValue(attack, out var c) ? c : attack;
}
