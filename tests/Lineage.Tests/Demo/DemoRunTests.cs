using Lineage.Demo;

namespace Lineage.Tests.Demo;

public class DemoRunTests
{
    [Fact]
    public void RunsTheWholeLoopAndKeepsWhatItMade()
    {
        var keep = Directory.CreateTempSubdirectory("lineage-demo-");
        try
        {
            var stages = new List<string>();
            var result = DemoRun.Run(new DemoOptions { TrainCount = 2400, TestCount = 300, Epochs = 3, CalibrationModels = 3, KeepDirectory = keep.FullName }, new SyncProgress(stages));
            Assert.Equal(["fine-tuned copy", "label extraction", "independent model"], result.Rows.Select(r => r.Suspect));
            Assert.All(result.Rows, r => Assert.Equal(["sac-m", "ipguard", "akh"], r.Verdicts.Select(v => v.Method)));
            Assert.All(result.Rows.SelectMany(r => r.Verdicts), v => { Assert.Equal(100, v.QueriesSpent); Assert.NotNull(v.PValue); });
            // the fine-tuned copy is the easiest theft: closer to the source than the independent model under both methods
            var copy = result.Rows[0].Verdicts; var independent = result.Rows[2].Verdicts;
            Assert.True(copy[0].Score < independent[0].Score, $"SAC-m: copy {copy[0].Score:F3} vs independent {independent[0].Score:F3}");
            Assert.True(copy[1].Score > independent[1].Score, $"IPGuard: copy {copy[1].Score:F3} vs independent {independent[1].Score:F3}");
            Assert.True(copy[2].Score > independent[2].Score, $"AKH: copy {copy[2].Score:F3} vs independent {independent[2].Score:F3}");
            Assert.StartsWith("binomial tail", copy[2].QueryPValueBasis);
            Assert.StartsWith("Student-t prediction from the 3 null models", copy[2].PValueBasis);
            // the combined verdict takes every method's model-level p-value and spends the same 300 queries
            Assert.All(result.Rows, r => { Assert.Equal(300, r.Combined.QueriesSpent); Assert.Equal(3, r.Combined.Parts.Count(p => p.Contributes)); });
            Assert.True(result.Rows[0].Combined.PValue < result.Rows[2].Combined.PValue);
            Assert.Contains(stages, s => s.StartsWith("owner trains the source", StringComparison.Ordinal));
            foreach (var f in new[] { "source", "fine-tuned-copy", "label-extraction", "independent-model", "fingerprint-sac-m", "fingerprint-ipguard", "fingerprint-akh", "calibration-mirror-2", "calibration-lenet5-1" })
                Assert.True(File.Exists(Path.Combine(keep.FullName, f + ".safetensors")), f);
        }
        finally { keep.Delete(true); }
    }

    sealed class SyncProgress(List<string> sink) : IProgress<string>
    {
        public void Report(string value) => sink.Add(value);
    }
}
