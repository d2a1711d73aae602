namespace Lineage.Evaluation;

/// <summary>The groups SAC's Tables 1–2 average over: "Average" covers fine-tuning, pruning and extraction,
/// "Transfer-Average" covers transfer learning; anything else is reported but not averaged.</summary>
public enum CategoryFamily { FineTuning, Pruning, Extraction, Transfer, Other }

/// <summary>Reads a zoo category name (SAC's spellings: Finetune-A, Pruning, Extract-L, Transfer-L, …) as a family.</summary>
public static class CategoryFamilies
{
    public static CategoryFamily Of(string category)
    {
        var c = category.Trim().ToLowerInvariant();
        if (c.StartsWith("finetune") || c.StartsWith("fine-tune") || c.StartsWith("fine tune") || c.StartsWith("ft")) return CategoryFamily.FineTuning;
        if (c.StartsWith("prun") || c.StartsWith("fine-prun")) return CategoryFamily.Pruning;
        if (c.StartsWith("extract") || c.StartsWith("distil") || c.StartsWith("knockoff")) return CategoryFamily.Extraction;
        if (c.StartsWith("transfer")) return CategoryFamily.Transfer;
        return CategoryFamily.Other;
    }

    /// <summary>Whether the category counts towards SAC's "Average" row.</summary>
    public static bool InAverage(string category) => Of(category) is CategoryFamily.FineTuning or CategoryFamily.Pruning or CategoryFamily.Extraction;

    public static bool InTransferAverage(string category) => Of(category) == CategoryFamily.Transfer;
}
