namespace Lineage.Cli.Tests;

static class CliAssert
{
    /// <summary>A successful run: exit code 0 and no unhandled exception on stderr.</summary>
    public static CliResult Succeeded(CliResult r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("Unhandled exception", r.Stderr);
        return r;
    }

    /// <summary>Bad input as the README promises it: exit code 2 and one "error:" line, the last on stderr (progress before it
    /// is allowed), that names what was wrong (each of <paramref name="named"/>), with no stack trace.</summary>
    public static void RefusedInOneLine(CliResult r, params string[] named)
    {
        Assert.True(r.ExitCode == 2, r.ToString());
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var errors = lines.Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1 && lines[^1] == errors[0], "expected one error line, the last\n" + r);
        Assert.DoesNotContain("Unhandled exception", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        foreach (var n in named) Assert.True(errors[0].Contains(n, StringComparison.Ordinal), $"the error line does not name '{n}'\n{r}");
    }
}
