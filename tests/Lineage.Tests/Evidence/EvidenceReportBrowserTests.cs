using Lineage.Evidence;
using Lineage.Fingerprints;
using Lineage.Suspects;
using Lineage.Tests.Browser;
using Lineage.Tests.Data;
using Lineage.Tests.Fingerprints.Combined;

namespace Lineage.Tests.Evidence;

public class EvidenceReportBrowserTests
{
    /// <summary>
    /// The evidence report is meant for a non-specialist with a browser: it must render, offline, into a page with
    /// content. A screenshot of an empty page of the same size compresses to a few KB; the report's text, tables,
    /// plot and query images make it many times larger.
    /// </summary>
    [ChromiumFact]
    public void TheEvidenceReportRendersInAHeadlessBrowser()
    {
        using var dir = new TempDir();
        var source = LinearWorld.Source();
        var nulls = LinearWorld.Nulls(39);
        var akh = LinearWorld.Save(LinearWorld.Make("akh", source, 30, 1, nulls), dir.Path, "akh.fingerprint");
        var bundlePath = Path.Combine(dir.Path, "one.bundle");
        var bundle = FingerprintBundle.Create([akh], bundlePath);
        var suspect = LinearSuspect.Derived(source, "copy.onnx", 0.02, 7, OutputMode.Logits);
        var verdict = CombinedVerifier.Verify(bundle, suspect, new CombineOptions());
        var run = new EvidenceRun
        {
            FingerprintPath = bundlePath, Bundle = bundle, Verdict = verdict, Started = DateTimeOffset.UtcNow, Finished = DateTimeOffset.UtcNow,
            CommandLine = "lineage verify -f one.bundle -s copy.onnx --evidence ev",
            Suspect = new SuspectRecord { Location = "copy.onnx", FileSha256 = new string('a', 64), Mode = "logits", Classes = LinearWorld.Classes },
            RequestLog = [],
        };
        var ev = EvidenceWriter.Write(dir.File("ev"), run);

        var blank = dir.File("blank.html");
        File.WriteAllText(blank, "<!doctype html><html><body></body></html>");
        HeadlessChromium.Screenshot(blank, dir.File("blank.png"), 900, 1400);
        HeadlessChromium.Screenshot(Path.Combine(ev, "report.html"), dir.File("report.png"), 900, 1400);

        Assert.Equal((900, 1400), HeadlessChromium.PngSize(dir.File("report.png")));
        long blankBytes = new FileInfo(dir.File("blank.png")).Length, reportBytes = new FileInfo(dir.File("report.png")).Length;
        Assert.True(reportBytes > 5 * blankBytes, $"the report's screenshot ({reportBytes} bytes) is hardly larger than an empty page's ({blankBytes} bytes)");
    }
}
