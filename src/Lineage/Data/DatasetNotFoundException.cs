namespace Lineage.Data;

/// <summary>A named dataset whose files are in none of the places Lineage looks. Nothing is ever
/// downloaded at run time, so the message says where we looked and how to get the files.</summary>
public sealed class DatasetNotFoundException : Exception
{
    public string Dataset { get; }
    public IReadOnlyList<string> Searched { get; }

    public DatasetNotFoundException(string dataset, IReadOnlyList<string> searched, string expectedFiles, string howToGet)
        : base(Format(dataset, searched, expectedFiles, howToGet))
    {
        Dataset = dataset;
        Searched = searched;
    }

    static string Format(string dataset, IReadOnlyList<string> searched, string expectedFiles, string howToGet)
    {
        var lines = new List<string> { $"dataset '{dataset}' was not found (expected {expectedFiles}). Looked in:" };
        lines.AddRange(searched.Select(s => "  " + s));
        lines.Add("To get it: " + howToGet);
        lines.Add("Or pass --data-dir DIR, or set LINEAGE_DATA to a folder holding '" + dataset + "/'.");
        return string.Join(Environment.NewLine, lines);
    }
}
