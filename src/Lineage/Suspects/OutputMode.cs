namespace Lineage.Suspects;

/// <summary>What a suspect reveals per query, from most to least informative.</summary>
public enum OutputMode
{
    /// <summary>Raw scores before softmax.</summary>
    Logits,
    /// <summary>The full probability vector.</summary>
    Probabilities,
    /// <summary>The k largest probabilities and their classes; the rest is hidden.</summary>
    TopK,
    /// <summary>Only the predicted class.</summary>
    Label,
}
