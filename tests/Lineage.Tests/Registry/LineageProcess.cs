using System.Diagnostics;

namespace Lineage.Tests.Registry;

/// <summary>
/// The built `lineage` command as a separate process, so a test can kill it with SIGKILL mid-work. It is the CLI that
/// `dotnet test Lineage.slnx` builds beside the tests; a test that needs it is skipped, saying so, when it was not built.
/// </summary>
public static class LineageProcess
{
    public static string? Dll { get; } = Find();

    static string? Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Lineage.slnx"))) dir = dir.Parent;
        if (dir is null) return null;
        // the tests' own configuration first (bin/Release/net10.0 or bin/Debug/net10.0)
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent?.Name ?? "Release";
        return new[] { configuration, "Release", "Debug" }.Select(c => Path.Combine(dir.FullName, "src", "Lineage.Cli", "bin", c, "net10.0", "lineage.dll")).FirstOrDefault(File.Exists);
    }

    /// <summary>Starts `lineage ARGS...`, its output collected into <paramref name="output"/>.</summary>
    public static Process Start(IEnumerable<string> args, System.Collections.Concurrent.ConcurrentQueue<string> output, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll ?? throw new InvalidOperationException("the lineage CLI is not built"));
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        var p = Process.Start(info)!;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>SIGKILL: no handler runs, nothing is flushed; what the process acknowledged must already be durable.</summary>
    public static void KillHard(Process p)
    {
        p.Kill(entireProcessTree: false);   // SIGKILL on Linux and macOS
        p.WaitForExit(10_000);
    }
}

/// <summary>A fact that runs the built CLI as a process; skipped with the reason when it is not built.</summary>
public sealed class LineageProcessFactAttribute : FactAttribute
{
    public LineageProcessFactAttribute()
    {
        if (LineageProcess.Dll is null) Skip = "the lineage CLI is not built (dotnet build Lineage.slnx builds it beside the tests)";
    }
}
