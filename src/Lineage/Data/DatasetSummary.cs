namespace Lineage.Data;

/// <summary>What `lineage data info` reports: where the data came from, its parts, shape, classes,
/// class balance and declared preprocessing.</summary>
public sealed record DatasetSummary(
    string Name,
    string Location,
    IReadOnlyList<string> Files,
    int[] ImageShape,
    Preprocessing Preprocessing,
    IReadOnlyList<DatasetSummary.ClassRow> Classes,
    IReadOnlyDictionary<string, int> Counts)
{
    public sealed record ClassRow(int Index, string Name, IReadOnlyDictionary<string, int> Counts);

    public static DatasetSummary Of(string name, string location, params Dataset[] parts)
    {
        if (parts.Length == 0) throw new ArgumentException("a summary needs at least one part");
        var first = parts[0];
        var counts = parts.Select(p => p.ClassCounts()).ToArray();
        var rows = first.ClassNames.Select((className, k) => new ClassRow(k, className,
            parts.Select((p, j) => (p.Origin.Part, counts[j][k])).ToDictionary(t => t.Part, t => t.Item2))).ToArray();
        return new DatasetSummary(name, location, parts.SelectMany(p => p.Origin.Files).Distinct().ToArray(),
            first.ImageShape, first.Preprocessing, rows, parts.ToDictionary(p => p.Origin.Part, p => p.Count));
    }

    public static DatasetSummary Of(string name, DatasetPair pair) => Of(name, pair.Location, pair.Train, pair.Test);
}
