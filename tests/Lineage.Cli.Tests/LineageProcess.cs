using System.Diagnostics;
using System.Text;

namespace Lineage.Cli.Tests;

/// <summary>What one run of the CLI printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr, string[] Args)
{
    public override string ToString() =>
        $"lineage {string.Join(' ', Args)} exited {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs the built CLI (lineage.dll beside this assembly) through the dotnet host, as a user would run it:
/// a separate process with its own exit code, stdout and stderr, so an unhandled exception shows as one would in a shell.</summary>
public static class LineageProcess
{
    static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "lineage.dll");

    static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        // no datasets from the machine leak into what a test sees
        info.Environment["LINEAGE_DATA"] = Path.Combine(workingDirectory, "no-datasets-here");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return info;
    }

    public static CliResult Run(string workingDirectory, params string[] args) => Run(workingDirectory, TimeSpan.FromSeconds(120), args);

    public static CliResult Run(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        using var process = Process.Start(StartInfo(workingDirectory, args))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"lineage {string.Join(' ', args)} ran past {timeout.TotalSeconds} s\n{stdout.Result}\n{stderr.Result}");
        }
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result, args);
    }

    /// <summary>Starts a long-running command (serve) and waits until a line of its stdout matches <paramref name="ready"/>.</summary>
    public static RunningCli Start(string workingDirectory, Func<string, bool> ready, params string[] args)
    {
        var process = Process.Start(StartInfo(workingDirectory, args))!;
        var lines = new List<string>();
        var readyLine = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) { readyLine.TrySetException(new InvalidOperationException("lineage exited before it was ready:\n" + string.Join("\n", lines) + "\n" + stderr)); return; }
            lock (lines) lines.Add(e.Data);
            if (ready(e.Data)) readyLine.TrySetResult(e.Data);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!readyLine.Task.Wait(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"lineage {string.Join(' ', args)} printed no ready line in 60 s");
        }
        return new RunningCli(process, readyLine.Task.Result);
    }
}

/// <summary>A CLI process left running (a server); disposing it stops the process.</summary>
public sealed class RunningCli(Process process, string readyLine) : IDisposable
{
    public string ReadyLine { get; } = readyLine;

    public void Dispose()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
    }
}
