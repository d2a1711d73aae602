namespace Lineage.Statistics;

/// <summary>Positives and negatives merged, oriented so larger means "more likely stolen", sorted
/// descending and grouped by equal score. ROC points and the Mann–Whitney AUC both walk these groups,
/// which is what makes them O(n log n) and tie-exact.</summary>
internal readonly record struct ScoreGroup(double OrientedScore, int Positives, int Negatives);

internal static class OrientedScoreGroups
{
    public static List<ScoreGroup> Descending(IReadOnlyList<double> positives, IReadOnlyList<double> negatives, ScoreDirection direction)
    {
        int n = positives.Count + negatives.Count;
        var keys = new double[n];
        var isPositive = new bool[n];
        for (int i = 0; i < positives.Count; i++) { keys[i] = -direction.Orient(positives[i]); isPositive[i] = true; }
        for (int j = 0; j < negatives.Count; j++) keys[positives.Count + j] = -direction.Orient(negatives[j]);
        // Sorting the negated keys ascending gives oriented scores descending.
        Array.Sort(keys, isPositive);

        var groups = new List<ScoreGroup>();
        for (int i = 0; i < n;)
        {
            int pos = 0, neg = 0, start = i;
            while (i < n && keys[i] == keys[start])
            {
                if (isPositive[i]) pos++; else neg++;
                i++;
            }
            groups.Add(new ScoreGroup(-keys[start], pos, neg));
        }
        return groups;
    }
}
