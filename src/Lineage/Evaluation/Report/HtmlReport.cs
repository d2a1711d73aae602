using System.Net;
using System.Text;

namespace Lineage.Evaluation.Report;

/// <summary>A self-contained HTML page: inline CSS, tables, and the plots as inline SVG — no scripts and no
/// external files, so it can be mailed or archived as one file and opens offline.</summary>
public static class HtmlReport
{
    const string Style = """
        body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1360px; color: #222; }
        h1 { font-size: 24px; margin-bottom: 4px; }
        h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        dl { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; font-size: 14px; }
        dt { font-weight: bold; }
        table { border-collapse: collapse; font-size: 14px; margin: 8px 0; }
        th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        th { background: #f2f2f2; }
        tr.summary td { font-weight: bold; background: #fafafa; }
        p.note { font-size: 13px; color: #555; max-width: 1100px; }
        .plots { display: flex; flex-wrap: wrap; gap: 16px; }
        figure { margin: 0; border: 1px solid #eee; padding: 6px; }
        figcaption { font-size: 13px; color: #555; max-width: 650px; }
        """;

    public static string Render(string title, IReadOnlyList<(string Name, string Value)> facts, IReadOnlyList<ReportTable> tables, IReadOnlyList<NamedPlot> plots)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<title>").Append(E(title)).Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>").Append(E(title)).Append("</h1>\n<dl>\n");
        foreach (var (name, value) in facts) html.Append("<dt>").Append(E(name)).Append("</dt><dd>").Append(E(value)).Append("</dd>\n");
        html.Append("</dl>\n");
        foreach (var table in tables)
        {
            html.Append("<h2>").Append(E(table.Title)).Append("</h2>\n<table>\n<thead><tr>");
            foreach (var h in table.Headers) html.Append("<th>").Append(E(h)).Append("</th>");
            html.Append("</tr></thead>\n<tbody>\n");
            for (int r = 0; r < table.Rows.Count; r++)
            {
                html.Append(table.SummaryRows.Contains(r) ? "<tr class=\"summary\">" : "<tr>");
                foreach (var cell in table.Rows[r]) html.Append(IsNumeric(cell) ? "<td class=\"num\">" : "<td>").Append(E(cell)).Append("</td>");
                html.Append("</tr>\n");
            }
            html.Append("</tbody>\n</table>\n");
            if (table.Note.Length > 0) html.Append("<p class=\"note\">").Append(E(table.Note)).Append("</p>\n");
        }
        html.Append("<h2>Plots</h2>\n<div class=\"plots\">\n");
        foreach (var p in plots)
            html.Append("<figure id=\"").Append(E(p.FileStem)).Append("\">\n").Append(p.Plot.Render())
                .Append("<figcaption>").Append(E(p.Caption)).Append("</figcaption>\n</figure>\n");
        html.Append("</div>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Numbers (and thresholds, percentages, the missing-value dash) line up on the right.</summary>
    static bool IsNumeric(string cell) => cell.Length > 0 && (char.IsAsciiDigit(cell[0]) || cell[0] is '≤' or '≥' or '–' or '-' or '.');

    static string E(string text) => WebUtility.HtmlEncode(text);
}
