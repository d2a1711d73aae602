using System.Text;

namespace Lineage.Evaluation.Report;

/// <summary>The report as Markdown: the same tables as pipe tables, and the plots as links to SVG files saved
/// beside it (Markdown viewers do not render inline SVG).</summary>
public static class MarkdownSummary
{
    public static string Render(string title, IReadOnlyList<(string Name, string Value)> facts, IReadOnlyList<ReportTable> tables, IReadOnlyList<NamedPlot> plots, string plotFolder)
    {
        var md = new StringBuilder();
        md.Append("# ").Append(title).Append("\n\n");
        foreach (var (name, value) in facts) md.Append("- **").Append(name).Append("**: ").Append(Cell(value)).Append('\n');
        foreach (var table in tables)
        {
            md.Append("\n## ").Append(table.Title).Append("\n\n");
            md.Append("| ").Append(string.Join(" | ", table.Headers.Select(Cell))).Append(" |\n");
            md.Append('|').Append(string.Join("|", table.Headers.Select((_, i) => i == 0 ? "---" : "---:"))).Append("|\n");
            for (int r = 0; r < table.Rows.Count; r++)
            {
                var cells = table.Rows[r].Select(Cell);
                if (table.SummaryRows.Contains(r)) cells = cells.Select(c => $"**{c}**");
                md.Append("| ").Append(string.Join(" | ", cells)).Append(" |\n");
            }
            if (table.Note.Length > 0) md.Append('\n').Append(Cell(table.Note)).Append('\n');
        }
        md.Append("\n## Plots\n\n");
        foreach (var p in plots)
            md.Append("![").Append(p.Plot.Title).Append("](").Append(plotFolder).Append('/').Append(p.FileStem).Append(".svg)\n\n").Append(p.Caption).Append("\n\n");
        return md.ToString();
    }

    /// <summary>A pipe inside a cell would end it early.</summary>
    static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");
}
