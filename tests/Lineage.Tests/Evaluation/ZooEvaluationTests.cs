using System.Text.Json;
using Lineage.Evaluation;
using Lineage.Evaluation.Report;
using Lineage.Fingerprints.IpGuard;
using Lineage.Fingerprints.Sac;

namespace Lineage.Tests.Evaluation;

[Collection("tiny zoo")]
public sealed class ZooEvaluationTests(TinyZooFixture zoo) : IDisposable
{
    static readonly EvaluationOptions Options = new()
    {
        Methods = ["sac-m", "ipguard"],
        Parameters = new Dictionary<string, Dictionary<string, string>>
        {
            ["sac-m"] = new() { ["samples"] = "20" },
            ["ipguard"] = new() { ["points"] = "10", ["max_steps"] = "40", ["margin"] = "3" },
        },
        Seed = 2,
    };

    readonly List<string> folders = [];

    string NewOut()
    {
        var dir = Path.Combine(Path.GetTempPath(), "lineage-eval-" + Guid.NewGuid().ToString("N"));
        folders.Add(dir);
        return dir;
    }

    public void Dispose()
    {
        foreach (var f in folders.Where(Directory.Exists)) Directory.Delete(f, recursive: true);
    }

    [Fact]
    public void Evaluation_writes_every_report_with_every_method_and_category_and_resumes_to_the_same_results()
    {
        var outA = NewOut();
        var lines = new List<string>();
        var a = ZooEvaluation.Run(zoo.Directory, outA, Options, new Lines(lines));
        Assert.Contains(lines, l => l.StartsWith("verified 5/5"));
        // results name the zoo's folder, never a path of the machine they were made on
        Assert.Equal(Path.GetFileName(zoo.Directory.TrimEnd('/')), a.Zoo);

        Assert.Equal(["sac-m", "ipguard"], a.Methods.Select(m => m.Method));
        Assert.Equal(["Finetune-A", "Extract-L"], a.Categories);
        Assert.Equal(10, a.Scores.Count);
        Assert.All(a.Scores, s => Assert.NotNull(s.Score));
        Assert.All(a.Methods, m =>
        {
            Assert.InRange(m.Auc!.Value, 0, 1);
            Assert.InRange(m.Aruc!.Value, 0, 1);
            Assert.Equal(m.QueryCount, m.QueriesPerVerdict);
            Assert.True(m.CreateSeconds > 0);
            Assert.Equal(2, m.HeldOutIndependents);
            Assert.Equal(m.Categories.Single(c => c.Category == "Finetune-A").Auc!.Value / 2 + m.Categories.Single(c => c.Category == "Extract-L").Auc!.Value / 2, m.Average!.Value, 12);
        });
        // Fine-tuning keeps the source's weights: both methods must tell it from models trained from scratch.
        Assert.All(a.Methods, m => Assert.Equal(1.0, m.Categories.Single(c => c.Category == "Finetune-A").Auc));

        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outA, "results.json")));
        Assert.Equal(2, json.RootElement.GetProperty("methods").GetArrayLength());
        var csv = File.ReadAllLines(Path.Combine(outA, "scores.csv"));
        Assert.Equal(ScoresCsv.Columns, csv[0].Split(','));
        Assert.Equal(5 * 2, csv.Length - 1);
        foreach (var model in zoo.Manifest.SuspectsOf(zoo.Manifest.SourceFor(null)))
            foreach (var method in Options.Methods)
                Assert.Single(csv, row => row.StartsWith($"{model.Id},{model.Role},{model.Category},{method},"));
        var html = File.ReadAllText(Path.Combine(outA, "report.html"));
        int plotCount = 1 + 2 * Options.Methods.Count;
        Assert.Equal(plotCount, CountOf(html, "<svg "));
        Assert.Equal(plotCount, Directory.GetFiles(Path.Combine(outA, "plots"), "*.svg").Length);
        var md = File.ReadAllText(Path.Combine(outA, "summary.md"));
        foreach (var name in Options.Methods.Concat(a.Categories).Append("Average"))
        {
            Assert.Contains(name, html);
            Assert.Contains(name, md);
        }
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));

        // A crash after some suspects: drop two cached scores and the reports, then run again.
        var outB = NewOut();
        CopyTree(outA, outB);
        var scoreFiles = Directory.GetFiles(Path.Combine(outB, "cache"), "*.json", SearchOption.AllDirectories).Where(f => f.Contains("scores")).Order().ToList();
        Assert.Equal(10, scoreFiles.Count);
        File.Delete(scoreFiles[0]);
        File.Delete(scoreFiles[7]);
        File.Delete(Path.Combine(outB, "results.json"));
        var resumedLines = new List<string>();
        var b = ZooEvaluation.Run(zoo.Directory, outB, Options, new Lines(resumedLines));
        Assert.Contains(resumedLines, l => l.Contains("fingerprint from cache"));
        AssertSameResults(a, b);
        AssertSameResults(a, EvaluationReport.ReadResults(outB));

        // A cancelled run: stop after the second suspect, then resume in the same folder.
        var outC = NewOut();
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => ZooEvaluation.Run(zoo.Directory, outC, Options,
            new Lines([], l => { if (l.StartsWith("verified 2/")) cancel.Cancel(); }), cancel: cancel.Token));
        Assert.False(File.Exists(Path.Combine(outC, "results.json")));
        var c = ZooEvaluation.Run(zoo.Directory, outC, Options);
        Assert.Equal(a.Scores.Select(s => (s.Method, s.ModelId)), c.Scores.Select(s => (s.Method, s.ModelId)));
        Assert.Equal(c.Scores.Count, c.Scores.Count(s => s.Score is not null));
    }

    [Fact]
    public void Calibration_uses_a_seeded_half_of_the_independent_models()
    {
        var first = ZooEvaluation.CalibrationModels(zoo.Manifest, 1);
        Assert.Single(first);
        Assert.StartsWith("ind-", first[0]);
        Assert.Equal(first, ZooEvaluation.CalibrationModels(zoo.Manifest, 1));
    }

    [Fact]
    public void Unknown_method_is_rejected_before_any_work()
    {
        var e = Assert.Throws<ArgumentException>(() => ZooEvaluation.Run(zoo.Directory, NewOut(), Options with { Methods = ["sac-x"] }));
        Assert.Contains("sac-x", e.Message);
    }

    /// <summary>Everything but wall-clock times, which no two runs share.</summary>
    static void AssertSameResults(EvaluationResult expected, EvaluationResult actual)
    {
        Assert.Equal(expected.Categories, actual.Categories);
        Assert.Equal(expected.CalibrationModels, actual.CalibrationModels);
        Assert.Equal(Strip(expected.Scores), Strip(actual.Scores));
        Assert.Equal(string.Join("\n", expected.Methods.Select(StripSummary)), string.Join("\n", actual.Methods.Select(StripSummary)));
    }

    static List<ModelScore> Strip(IEnumerable<ModelScore> scores) => scores.Select(s => s with { VerifySeconds = 0 }).ToList();

    static string StripSummary(MethodSummary m)
        => JsonSerializer.Serialize(m with { CreateSeconds = 0, MeanVerifySeconds = 0 }, EvaluationReport.Json);

    static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }

    static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    sealed class Lines(List<string> lines, Action<string>? also = null) : IProgress<string>
    {
        public void Report(string value) { lines.Add(value); also?.Invoke(value); }
    }
}
