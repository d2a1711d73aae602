using System.Xml.Linq;
using Lineage.Evaluation;
using Lineage.Evaluation.Report;

namespace Lineage.Tests.Evaluation;

/// <summary>The report writers on hand-made data, independent of any model.</summary>
public sealed class ReportWriterTests
{
    static SvgPlot Plot()
    {
        var plot = new SvgPlot { Title = "Scores & <things>", XLabel = "False positive rate", YLabel = "True positive rate", XMin = 0, XMax = 1, YMin = 0, YMax = 1 };
        plot.Series.Add(new PlotSeries("method-a", [new(0, 0), new(0.5, 1), new(1, 1)], SeriesKind.Line, SvgPlot.Palette[0]));
        plot.Series.Add(new PlotSeries("models", [new(0.2, 0.3), new(0.8, 0.9)], SeriesKind.Markers, SvgPlot.Palette[1]));
        plot.References.Add(new ReferenceLine("threshold 0.5", 0.5, "#444"));
        return plot;
    }

    static ReportTable Table() => new("AUC table", ["Attack", "m1", "m2"], [["Finetune-A", "1.00", "0.90"], ["Average", "1.00", "0.90"]], new HashSet<int> { 1 }, "a note | with a pipe");

    [Fact]
    public void Svg_is_well_formed_with_axes_labels_legend_and_threshold()
    {
        var svg = XDocument.Parse(Plot().Render());
        XNamespace ns = "http://www.w3.org/2000/svg";
        var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.Contains("Scores & <things>", texts);
        Assert.Contains("False positive rate", texts);
        Assert.Contains("True positive rate", texts);
        Assert.Contains("method-a", texts);
        Assert.Contains("models", texts);
        Assert.Contains("threshold 0.5", texts);
        Assert.Contains("0.6", texts);
        Assert.Single(svg.Descendants(ns + "polyline"));
        Assert.Equal(2 + 1, svg.Descendants(ns + "circle").Count());  // two markers and the legend's marker
        Assert.Equal(2, svg.Descendants(ns + "line").Count(l => (string?)l.Attribute("stroke-dasharray") == "6 4"));
    }

    [Fact]
    public void Categorical_axis_names_every_category()
    {
        var plot = new SvgPlot { Title = "t", XLabel = "Attack category", YLabel = "Score", XCategories = ["independent", "Finetune-A", "Extract-L"] };
        plot.Series.Add(new PlotSeries("stolen", [new(1, 0.1), new(2, 0.2)], SeriesKind.Markers, "red"));
        var texts = XDocument.Parse(plot.Render()).Descendants().Where(e => e.Name.LocalName == "text").Select(t => t.Value).ToList();
        Assert.Contains("independent", texts);
        Assert.Contains("Finetune-A", texts);
        Assert.Contains("Extract-L", texts);
    }

    /// <summary>A zoo with SAC's and CAE's 20-odd categories: the chart widens so the category names keep their
    /// spacing, grows so every legend entry is inside it, and series past the palette get other marker shapes.</summary>
    [Fact]
    public void Many_categories_and_series_fit_inside_the_chart()
    {
        var names = Enumerable.Range(0, 24).Select(i => $"category-{i}").ToList();
        var plot = new SvgPlot { Title = "t", XLabel = "Attack category", YLabel = "Score", XCategories = names };
        for (int i = 0; i < names.Count; i++)
            plot.Series.Add(new PlotSeries(names[i], [new(i, i)], SeriesKind.Markers, SvgPlot.Palette[i % SvgPlot.Palette.Length],
                Shape: (MarkerShape)(i / SvgPlot.Palette.Length % 3)));
        plot.References.Add(new ReferenceLine("threshold", 3, "#444"));
        var svg = XDocument.Parse(plot.Render()).Root!;
        double width = double.Parse((string)svg.Attribute("width")!), height = double.Parse((string)svg.Attribute("height")!);
        Assert.True(width >= 24 * 36, $"width {width}");
        var legendYs = svg.Descendants().Where(e => e.Name.LocalName == "text" && (e.Value.StartsWith("category-") || e.Value == "threshold"))
            .Select(e => (string?)e.Attribute("y")).Where(y => y != null).Select(y => double.Parse(y!)).ToList();
        Assert.Equal(25, legendYs.Count);
        Assert.All(legendYs, y => Assert.InRange(y, 0, height));
        Assert.Equal(2 * 10, svg.Descendants().Count(e => e.Name.LocalName == "circle"));   // markers and legend entries of the first palette cycle
        Assert.Equal(2 * 10, svg.Descendants().Count(e => e.Name.LocalName == "rect" && (string?)e.Attribute("width") == "7.2"));
        Assert.Equal(2 * 4, svg.Descendants().Count(e => e.Name.LocalName == "polygon"));
    }

    [Fact]
    public void Ticks_fall_on_round_steps()
    {
        Assert.Equal([0, 0.2, 0.4, 0.6, 0.8, 1.0], SvgPlot.Ticks(0, 1).Select(t => Math.Round(t, 12)));
        Assert.Equal([50, 60, 70, 80, 90], SvgPlot.Ticks(47, 93));
    }

    [Fact]
    public void Html_is_self_contained_with_tables_and_inline_svg()
    {
        var html = HtmlReport.Render("Report <1>", [("Zoo", "/tmp/zoo")], [Table()], [new NamedPlot("roc", "ROC caption", Plot())]);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<style>", html);
        Assert.Contains("Report &lt;1&gt;", html);
        Assert.Contains("<th>m1</th>", html);
        Assert.Contains("<tr class=\"summary\"><td>Average</td>", html);
        Assert.Contains("<figure id=\"roc\">", html);
        Assert.Contains("<svg xmlns=\"http://www.w3.org/2000/svg\"", html);
        Assert.Contains("ROC caption", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("<img", html);
    }

    [Fact]
    public void Markdown_has_pipe_tables_bold_summary_rows_and_plot_links()
    {
        var md = MarkdownSummary.Render("Report", [("Zoo", "/tmp/zoo")], [Table()], [new NamedPlot("roc", "ROC caption", Plot())], "plots");
        var lines = md.Split('\n');
        Assert.Contains("| Attack | m1 | m2 |", lines);
        Assert.Contains("|---|---:|---:|", lines);
        Assert.Contains("| Finetune-A | 1.00 | 0.90 |", lines);
        Assert.Contains("| **Average** | **1.00** | **0.90** |", lines);
        Assert.Contains("a note \\| with a pipe", md);
        Assert.Contains("](plots/roc.svg)", md);
    }

    [Fact]
    public void Csv_quotes_cells_and_leaves_missing_values_empty()
    {
        var csv = ScoresCsv.Render([new ModelScore { Method = "ipguard", ModelId = "t-1", Role = "stolen", Category = "Transfer-L", Note = "cannot read, sorry" }]).Split('\n');
        Assert.Equal(string.Join(",", ScoresCsv.Columns), csv[0]);
        Assert.Equal("t-1,stolen,Transfer-L,ipguard,,,,,,0,0,,false,\"cannot read, sorry\"", csv[1]);
    }

    [Fact]
    public void Category_families_follow_sac_tables()
    {
        Assert.Equal(CategoryFamily.FineTuning, CategoryFamilies.Of("Finetune-A"));
        Assert.Equal(CategoryFamily.Pruning, CategoryFamilies.Of("Pruning"));
        Assert.Equal(CategoryFamily.Extraction, CategoryFamilies.Of("Extract-Adv"));
        Assert.Equal(CategoryFamily.Transfer, CategoryFamilies.Of("Transfer-L"));
        Assert.Equal(CategoryFamily.Other, CategoryFamilies.Of("Adv-Train"));
        Assert.Equal(["Finetune-A", "Pruning", "Extract-L", "Transfer-A", "Adv-Train"],
            EvaluationMetrics.OrderCategories(["Transfer-A", "Adv-Train", "Extract-L", "Pruning", "Finetune-A"]));
    }
}
