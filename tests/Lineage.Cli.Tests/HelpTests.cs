using System.CommandLine;

namespace Lineage.Cli.Tests;

/// <summary>Every command of the tree answers --help, as a process, with its description and usage.</summary>
public class HelpTests
{
    static IEnumerable<string[]> Paths(Command command, string[] prefix)
    {
        foreach (var sub in command.Subcommands)
        {
            var path = prefix.Append(sub.Name).ToArray();
            yield return path;
            foreach (var deeper in Paths(sub, path)) yield return deeper;
        }
    }

    [Fact]
    public void EveryCommandPrintsItsHelp()
    {
        var root = CliApp.Build();
        var paths = Paths(root, []).ToList();
        // the tree as shipped: 14 top-level commands and their subcommands; a lost registration must fail here
        Assert.True(paths.Count >= 25, $"only {paths.Count} commands found: {string.Join(", ", paths.Select(p => string.Join(' ', p)))}");
        using var dir = new CliTempDir();
        var results = new System.Collections.Concurrent.ConcurrentBag<(string[] Path, CliResult Result)>();
        Parallel.ForEach(paths.Prepend([]), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            path => results.Add((path, LineageProcess.Run(dir.Path, [.. path, "--help"]))));
        Assert.Equal(paths.Count + 1, results.Count);
        foreach (var (path, r) in results)
        {
            CliAssert.Succeeded(r);
            Assert.True(r.Stderr.Length == 0, r.ToString());
            Assert.Contains("Description:", r.Stdout);
            Assert.Contains("Usage:", r.Stdout);
            Assert.Contains(("lineage " + string.Join(' ', path)).TrimEnd(), r.Stdout);
        }
    }

    [Fact]
    public void AMistypedOptionIsOneErrorLineNotTheHelpPage()
    {
        using var dir = new CliTempDir();
        CliAssert.RefusedInOneLine(LineageProcess.Run(dir.Path, "train", "--epochs", "abc", "-o", "m.safetensors"), "--epochs", "lineage train --help");
        CliAssert.RefusedInOneLine(LineageProcess.Run(dir.Path, "train", "--train-count", "-5", "-o", "m.safetensors"), "--train-count", "-5");
        // an unknown command: one line per problem System.CommandLine finds (no command, and the word it did not know)
        var unknown = LineageProcess.Run(dir.Path, "trian");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Empty(unknown.Stdout);
        Assert.All(unknown.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => Assert.StartsWith("error: ", l));
        Assert.Contains("'trian'", unknown.Stderr);
    }
}
