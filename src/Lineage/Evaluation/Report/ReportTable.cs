namespace Lineage.Evaluation.Report;

/// <summary>A table both report formats render: a title, column headers, rows of cell text, and which rows are
/// summary rows (shown in bold, like SAC's Average rows).</summary>
public sealed record ReportTable(string Title, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows, IReadOnlySet<int> SummaryRows, string Note = "");
