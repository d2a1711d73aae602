namespace Lineage.Fuzz.Tests;

/// <summary>
/// The CI-sized fuzz check: every committed seed and every regression input (a past finding) goes through its harness,
/// without AFL, in about a second per harness. A parser change that turns one of them back into a stack trace or an
/// unnamed error fails here. Campaigns themselves run with tools/fuzz (docs/reliability.md).
/// </summary>
public class CorpusReplayTests
{
    static readonly string Root = FindRoot();

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Lineage.slnx"))) return Path.Combine(dir.FullName, "tools", "Lineage.Fuzz");
        throw new DirectoryNotFoundException("the repository root (Lineage.slnx) is not above the test assembly");
    }

    public static TheoryData<string> Harnesses() => new(HarnessCatalog.All.Select(h => h.Name));

    [Fact]
    public void EveryParserHasAHarnessAndASeedCorpus()
    {
        // idx, cifar, npy, npz, model, fingerprint, checkpoint, onnx, oip-reply, oip-request, zoo-spec, kit-manifest, evidence
        Assert.Equal(13, HarnessCatalog.All.Count);
        Assert.All(HarnessCatalog.All, h => Assert.NotEmpty(Directory.GetFiles(Path.Combine(Root, "corpus", h.Name))));
    }

    [Theory, MemberData(nameof(Harnesses))]
    public void SeedsAreValidAndNoSavedInputIsAFinding(string name)
    {
        var harness = HarnessCatalog.Get(name);
        var seeds = Replay.Run(harness, [Path.Combine(Root, "corpus", name)]);
        Assert.True(seeds.Findings.Count == 0, string.Join("\n", seeds.Findings.Select(f => $"{f.Path}: {f.Why}\n{f.Detail}")));
        Assert.True(seeds.Inputs > 0, $"no seeds for {name}");
        // seeds are valid files: each is accepted by at least one parse (the kit manifest's models are absent by design)
        if (name != "kit-manifest") Assert.True(seeds.ParsesAccepted >= seeds.Inputs, $"{name}: {seeds.ParsesAccepted} parses accepted for {seeds.Inputs} seeds");

        var regressions = Path.Combine(Root, "regressions", name);
        if (!Directory.Exists(regressions)) return;
        var replayed = Replay.Run(harness, [regressions]);
        Assert.True(replayed.Inputs > 0, $"regressions/{name} is empty");
        Assert.True(replayed.Findings.Count == 0, string.Join("\n", replayed.Findings.Select(f => $"{f.Path}: {f.Why}\n{f.Detail}")));
    }
}
