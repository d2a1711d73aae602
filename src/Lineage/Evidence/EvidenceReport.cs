using System.Globalization;
using System.Net;
using System.Text;
using Lineage.Engine;
using Lineage.Evaluation.Report;
using Lineage.Fingerprints;

namespace Lineage.Evidence;

/// <summary>
/// report.html of an evidence package: one self-contained page (inline CSS and SVG, no scripts, no external files) for
/// a reader who is not a specialist: the verdict and the error rate it comes with, what was done, each method's score
/// against the reference models' scores as a plot, some of the query images, and how to check the package again.
/// </summary>
public static class EvidenceReport
{
    const string Style = """
        body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1100px; color: #222; line-height: 1.45; }
        h1 { font-size: 24px; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        .verdict { font-size: 20px; padding: 12px 16px; border-radius: 6px; }
        .stolen { background: #fde8e8; border: 1px solid #d62728; } .independent { background: #e8f6e8; border: 1px solid #2ca02c; }
        .undecided { background: #fff6e0; border: 1px solid #ff7f0e; }
        table { border-collapse: collapse; font-size: 14px; margin: 8px 0; }
        th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: left; vertical-align: top; } th { background: #f2f2f2; }
        code, pre { background: #f6f6f6; padding: 2px 4px; font-size: 13px; } pre { padding: 8px; overflow-x: auto; }
        .plots, .images { display: flex; flex-wrap: wrap; gap: 16px; } figure { margin: 0; border: 1px solid #eee; padding: 6px; }
        figcaption { font-size: 13px; color: #555; max-width: 640px; } p.note { font-size: 13px; color: #555; }
        """;

    public static string Html(EvidenceDocument doc, FingerprintBundle bundle)
    {
        var v = doc.Verdict;
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Lineage evidence: ").Append(E(doc.Suspect.Location))
         .Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");
        h.Append("<h1>Was this model derived from ours? Evidence report</h1>\n");
        string cls = v.Stolen ? "stolen" : v.PValue is null ? "undecided" : "independent";
        string headline = v.Stolen
            ? $"<b>Verdict: derived from the source model.</b> The suspect's answers match the source's far more than any independent model's do."
            : v.PValue is null ? "<b>No verdict:</b> no method could give a p-value for this suspect."
            : "<b>Verdict: not shown to be derived.</b> The suspect's answers are within what independent models give.";
        h.Append($"<p class=\"verdict {cls}\">{headline}<br>Error rate: the procedure wrongly accuses an independent model at most {Pct(v.Fpr)} of the time"
            + (v.PValue is double p ? $"; for this suspect the combined p-value is {F(p)}" + (v.Stolen ? $" (≤ {F(v.Fpr)})" : $" (> {F(v.Fpr)})") : "")
            + ".</p>\n");
        if (!v.ValidUnderDependence)
            h.Append("<p class=\"note\">Caution: the combination used (Fisher's) assumes the methods' p-values are independent; methods reading one suspect usually are not, so the stated rate may be optimistic.</p>\n");

        h.Append("<h2>What was done</h2>\n<ol>\n");
        h.Append($"<li>The owner of the source model (SHA-256 <code>{E(Short(doc.Fingerprint.SourceModelHash))}</code>) made {bundle.Members.Count} fingerprint(s) of it: "
            + string.Join("; ", bundle.Members.Select(m => $"<b>{E(m.Method)}</b> ({m.Fingerprint.QueryCount} query images)")) + ". Each is a set of images chosen so that the source and the models derived from it answer them in a telling way.</li>\n");
        h.Append($"<li>Each fingerprint was calibrated on reference models known to be independent of the source: their scores are the grey points in the plots below. A threshold set on them fixes how often an independent model would be wrongly accused.</li>\n");
        h.Append($"<li>On {E(doc.StartedUtc)} the images were sent to the suspect <code>{E(doc.Suspect.Location)}</code>"
            + (doc.Suspect.FileSha256 is string fh ? $" (file SHA-256 <code>{E(Short(fh))}</code>)" : "")
            + $", which answered with {E(doc.Suspect.Mode)}{(doc.Suspect.ModeBasis is string mb ? " (" + E(mb) + ")" : "")}; {v.QueriesSpent} queries in all. Every image sent and every answer received is kept in this package.</li>\n");
        h.Append($"<li>Each method scored the answers against the source's own answers; its p-value is the chance an independent model scores at least as close. The p-values were combined into one: {E(v.Basis)}.</li>\n</ol>\n");

        h.Append("<h2>Each method's part</h2>\n<table>\n<thead><tr><th>Method</th><th>Score</th><th>Threshold</th><th>p-value</th><th>Its own decision</th><th>Queries</th><th>Note</th></tr></thead>\n<tbody>\n");
        foreach (var m in doc.Members)
            h.Append($"<tr><td>{E(m.Method)}</td><td>{F(m.Score)}</td><td>{(m.Threshold is double t ? (m.Direction == "lower_is_stolen" ? "≤ " : "≥ ") + F(t) : "–")}</td><td>{F(m.PValue)}</td><td>{E(m.Decision ?? "–")}</td><td>{m.QueriesSent}</td><td>{E(m.NotRead ?? m.PValueBasis ?? "")}</td></tr>\n");
        h.Append("</tbody></table>\n");

        h.Append("<h2>The suspect against the reference models</h2>\n<div class=\"plots\">\n");
        foreach (var m in doc.Members.Where(m => m.Score is not null))
        {
            var rule = m.Rules.FirstOrDefault(r => r.Representation == m.Representation);
            if (rule is null || rule.NullScores.Count == 0) continue;
            h.Append("<figure>").Append(Plot(m, rule).Render())
             .Append($"<figcaption>{E(m.Method)}: each grey point is an independent reference model; the red point is the suspect; the dashed line is the decision threshold ({(m.Direction == "lower_is_stolen" ? "lower scores" : "higher scores")} point at a derived model).</figcaption></figure>\n");
        }
        h.Append("</div>\n");

        h.Append("<h2>Some of the query images</h2>\n<div class=\"images\">\n");
        foreach (var m in bundle.Members)
            for (int i = 0; i < Math.Min(4, m.Fingerprint.QueryCount); i++)
                h.Append("<figure>").Append(ImageSvg(m.Fingerprint.Queries, i, 3)).Append($"<figcaption>{E(m.Method)} #{i + 1}</figcaption></figure>\n");
        h.Append("</div>\n");

        h.Append("<h2>How to check this package</h2>\n");
        h.Append($"<p>Every file of this folder is listed with its SHA-256 in <code>{EvidenceManifest.FileName}</code>"
            + $"; when the package is signed, <code>{EvidenceManifest.SignatureFileName}</code> is the owner's ECDSA P-256 signature of that list. To check every hash and the signature, and to score the stored answers again and confirm the verdict, run:</p>\n");
        h.Append($"<pre>lineage evidence check THIS_FOLDER --public-key OWNER_KEY.pub</pre>\n");
        h.Append("<p>Any edited, missing or added file is reported by name. The query images and answers are NumPy <code>.npy</code> files that any scientific software reads.</p>\n");
        h.Append($"<p class=\"note\">Made by Lineage {E(doc.Tool.LineageVersion)}{(doc.Tool.GitCommit is string g ? " (commit " + E(g) + ")" : "")} on {E(doc.Tool.Runtime)}, {E(doc.Tool.Os)}; started {E(doc.StartedUtc)}, finished {E(doc.FinishedUtc)}. Command: <code>{E(doc.CommandLine)}</code></p>\n");
        h.Append("</body>\n</html>\n");
        return h.ToString();
    }

    static SvgPlot Plot(MemberRecord m, RuleRecord rule)
    {
        var plot = new SvgPlot
        {
            Title = $"{m.Method}: suspect vs independent references", XLabel = "", YLabel = $"score ({m.Representation})",
            XCategories = [$"{rule.NullScores.Count} references", "suspect"], Width = 520, Height = 360,
        };
        var nulls = rule.NullScores.Order().ToList();
        plot.Series.Add(new PlotSeries("independent reference", nulls.Select((s, k) => new PlotPoint(nulls.Count == 1 ? 0 : (k / (double)(nulls.Count - 1) - 0.5) * 0.4, s)).ToList(), SeriesKind.Markers, "#7f7f7f"));
        plot.Series.Add(new PlotSeries("suspect", [new PlotPoint(1, m.Score!.Value)], SeriesKind.Markers, "#d62728", Shape: MarkerShape.Square));
        plot.References.Add(new ReferenceLine($"threshold {rule.Threshold:G3}", rule.Threshold, "#444444"));
        return plot;
    }

    /// <summary>One NCHW image in [0, 1] as an SVG of pixel squares (grey or colour), scaled up for the eye.</summary>
    static string ImageSvg(Tensor images, int index, int scale)
    {
        int c = images.Shape[1], hgt = images.Shape[2], w = images.Shape[3];
        var data = images.ToArray();
        int offset = index * c * hgt * w;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w * scale}\" height=\"{hgt * scale}\" viewBox=\"0 0 {w} {hgt}\" shape-rendering=\"crispEdges\">");
        for (int y = 0; y < hgt; y++)
            for (int x = 0; x < w; x++)
            {
                int Px(int ch) => (int)Math.Round(Math.Clamp(data[offset + ch * hgt * w + y * w + x], 0f, 1f) * 255);
                int r = Px(0), g = c >= 3 ? Px(1) : r, b = c >= 3 ? Px(2) : r;
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{y}\" width=\"1\" height=\"1\" fill=\"#{r:x2}{g:x2}{b:x2}\"/>");
            }
        return svg.Append("</svg>").ToString();
    }

    static string E(string s) => WebUtility.HtmlEncode(s);
    static string F(double? v) => v is double d ? d.ToString("G4", CultureInfo.InvariantCulture) : "–";
    static string Pct(double v) => (v * 100).ToString("0.###", CultureInfo.InvariantCulture) + " %";
    static string Short(string hash) => hash.Length > 16 ? hash[..16] + "…" : hash;
}
