using System.Globalization;
using System.Security;
using System.Text;

namespace Lineage.Evaluation.Report;

/// <summary>
/// A small self-contained SVG chart: axes with ticks, axis labels, a title, a legend, line or marker series,
/// horizontal reference lines, and either a numeric or a categorical x axis. No scripts, fonts or external
/// files, so it embeds in HTML and opens on its own.
/// </summary>
public sealed class SvgPlot
{
    public static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

    public required string Title { get; init; }
    public required string XLabel { get; init; }
    public required string YLabel { get; init; }
    public double? XMin { get; init; }
    public double? XMax { get; init; }
    public double? YMin { get; init; }
    public double? YMax { get; init; }
    /// <summary>When set, x values are positions 0..n−1 on a categorical axis with these names.</summary>
    public IReadOnlyList<string>? XCategories { get; init; }
    public List<PlotSeries> Series { get; } = [];
    public List<ReferenceLine> References { get; } = [];
    /// <summary>Minimum size; the chart grows wider with many categories (about 36 px each, so rotated names do not
    /// overlap) and taller with a long legend (18 px per entry), so nothing is cut off.</summary>
    public int Width { get; init; } = 640;
    public int Height { get; init; } = 400;

    const double Left = 72, Top = 36, LegendWidth = 190, CategoryWidth = 36, LegendRow = 18;
    double Bottom => XCategories is null ? 56 : 118;
    int FullWidth => (int)Math.Max(Width, XCategories is { } c ? Left + LegendWidth + CategoryWidth * c.Count + 16 : 0);
    int FullHeight => (int)Math.Max(Height, Top + 8 + LegendRow * (Series.Count + References.Count) + 8);
    double PlotWidth => FullWidth - Left - LegendWidth;
    double PlotHeight => FullHeight - Top - Bottom;

    public string Render()
    {
        var (x0, x1) = XRange();
        var (y0, y1) = YRange();
        double Sx(double x) => Left + (x - x0) / (x1 - x0) * PlotWidth;
        double Sy(double y) => Top + PlotHeight - (y - y0) / (y1 - y0) * PlotHeight;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{FullWidth}\" height=\"{FullHeight}\" viewBox=\"0 0 {FullWidth} {FullHeight}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"{Escape(Title)}\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{FullWidth}\" height=\"{FullHeight}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + PlotWidth / 2:0.#}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{Escape(Title)}</text>\n");

        foreach (var t in Ticks(y0, y1))
        {
            double y = Sy(t);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left:0.#}\" y1=\"{y:0.#}\" x2=\"{Left + PlotWidth:0.#}\" y2=\"{y:0.#}\" stroke=\"#e5e5e5\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6:0.#}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{Format(t)}</text>\n");
        }
        if (XCategories is { } names)
            for (int i = 0; i < names.Count; i++)
            {
                double x = Sx(i);
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"{Top + PlotHeight:0.#}\" x2=\"{x:0.#}\" y2=\"{Top + PlotHeight + 4:0.#}\" stroke=\"black\"/>\n");
                svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate({x + 4:0.#},{Top + PlotHeight + 10:0.#}) rotate(30)\" text-anchor=\"start\">{Escape(names[i])}</text>\n");
            }
        else
            foreach (var t in Ticks(x0, x1))
            {
                double x = Sx(t);
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"{Top:0.#}\" x2=\"{x:0.#}\" y2=\"{Top + PlotHeight:0.#}\" stroke=\"#e5e5e5\"/>\n");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x:0.#}\" y=\"{Top + PlotHeight + 16:0.#}\" text-anchor=\"middle\">{Format(t)}</text>\n");
            }
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left:0.#}\" y=\"{Top:0.#}\" width=\"{PlotWidth:0.#}\" height=\"{PlotHeight:0.#}\" fill=\"none\" stroke=\"black\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + PlotWidth / 2:0.#}\" y=\"{FullHeight - 8:0.#}\" text-anchor=\"middle\">{Escape(XLabel)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(16,{Top + PlotHeight / 2:0.#}) rotate(-90)\" text-anchor=\"middle\">{Escape(YLabel)}</text>\n");

        foreach (var r in References)
        {
            if (r.Y < y0 || r.Y > y1) continue;
            double y = Sy(r.Y);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left:0.#}\" y1=\"{y:0.#}\" x2=\"{Left + PlotWidth:0.#}\" y2=\"{y:0.#}\" stroke=\"{r.Color}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n");
        }
        foreach (var s in Series)
        {
            if (s.Points.Count == 0) continue;
            if (s.Kind == SeriesKind.Line)
            {
                var points = string.Join(" ", s.Points.Select(p => $"{Sx(p.X).ToString("0.##", CultureInfo.InvariantCulture)},{Sy(p.Y).ToString("0.##", CultureInfo.InvariantCulture)}"));
                svg.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{points}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"2\" stroke-opacity=\"0.8\"{(s.Dashed ? " stroke-dasharray=\"4 4\"" : "")}/>\n");
            }
            else
                foreach (var p in s.Points)
                    AppendMarker(svg, Sx(p.X), Sy(p.Y), s, " fill-opacity=\"0.75\" stroke=\"white\" stroke-width=\"0.5\"");
        }
        AppendLegend(svg);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    static void AppendMarker(StringBuilder svg, double cx, double cy, PlotSeries s, string style)
    {
        switch (s.Shape)
        {
            case MarkerShape.Square:
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{cx - 3.6:0.##}\" y=\"{cy - 3.6:0.##}\" width=\"7.2\" height=\"7.2\" fill=\"{s.Color}\"{style}/>\n");
                break;
            case MarkerShape.Triangle:
                svg.Append(CultureInfo.InvariantCulture, $"<polygon points=\"{cx:0.##},{cy - 4.8:0.##} {cx - 4.4:0.##},{cy + 3.4:0.##} {cx + 4.4:0.##},{cy + 3.4:0.##}\" fill=\"{s.Color}\"{style}/>\n");
                break;
            default:
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{cx:0.##}\" cy=\"{cy:0.##}\" r=\"4\" fill=\"{s.Color}\"{style}/>\n");
                break;
        }
    }

    void AppendLegend(StringBuilder svg)
    {
        double x = Left + PlotWidth + 14, y = Top + 8;
        foreach (var s in Series)
        {
            if (s.Kind == SeriesKind.Line)
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"{y:0.#}\" x2=\"{x + 18:0.#}\" y2=\"{y:0.#}\" stroke=\"{s.Color}\" stroke-width=\"2\"{(s.Dashed ? " stroke-dasharray=\"4 4\"" : "")}/>\n");
            else
                AppendMarker(svg, x + 9, y, s, "");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 24:0.#}\" y=\"{y + 4:0.#}\">{Escape(s.Name)}</text>\n");
            y += LegendRow;
        }
        foreach (var r in References)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"{y:0.#}\" x2=\"{x + 18:0.#}\" y2=\"{y:0.#}\" stroke=\"{r.Color}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 24:0.#}\" y=\"{y + 4:0.#}\">{Escape(r.Label)}</text>\n");
            y += LegendRow;
        }
    }

    (double, double) XRange()
    {
        if (XCategories is { } names) return (-0.5, Math.Max(1, names.Count) - 0.5);
        var xs = Series.SelectMany(s => s.Points).Select(p => p.X).ToList();
        return Padded(XMin, XMax, xs);
    }

    (double, double) YRange()
    {
        var ys = Series.SelectMany(s => s.Points).Select(p => p.Y).Concat(References.Select(r => r.Y)).ToList();
        return Padded(YMin, YMax, ys);
    }

    /// <summary>Fixed bounds where given; otherwise the data's extent with 5% room so markers do not sit on the frame.</summary>
    static (double, double) Padded(double? min, double? max, List<double> values)
    {
        double lo = min ?? (values.Count > 0 ? values.Min() : 0), hi = max ?? (values.Count > 0 ? values.Max() : 1);
        if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
        double pad = (hi - lo) * 0.05;
        return (min ?? lo - pad, max ?? hi + pad);
    }

    /// <summary>About five ticks at 1, 2 or 5 × 10^k steps.</summary>
    public static IReadOnlyList<double> Ticks(double low, double high)
    {
        double raw = (high - low) / 5, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        var ticks = new List<double>();
        for (double t = Math.Ceiling(low / step) * step; t <= high + step * 1e-9; t += step) ticks.Add(Math.Round(t / step) * step);
        return ticks;
    }

    static string Format(double v) => Math.Abs(v) < 1e-12 ? "0" : v.ToString("G4", CultureInfo.InvariantCulture);

    static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
