using System.CommandLine;
using System.CommandLine.Parsing;
using Lineage.Cli.Commands;
using Spectre.Console;

namespace Lineage.Cli;

/// <summary>The command tree. Each command lives in Commands/ and only parses, calls the library and prints.</summary>
public static class CliApp
{
    public const int BadInputExitCode = 2;

    /// <summary>Output going to a file or another program (or NO_COLOR set, https://no-color.org) is plain text: no colour
    /// escape codes in a saved verdict, and tables and notes as wide as their content rather than wrapped at the 80
    /// columns a console without a width gets.</summary>
    public static void PlainWhenRedirected()
    {
        bool redirected = Console.IsOutputRedirected;
        if (redirected || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")))
        {
            AnsiConsole.Profile.Capabilities.Ansi = false;
            AnsiConsole.Profile.Capabilities.ColorSystem = ColorSystem.NoColors;
        }
        if (redirected) AnsiConsole.Profile.Width = RedirectedWidth;
    }

    /// <summary>Columns of redirected output: wide enough that a verdict table's rows and rule notes stay one line each.</summary>
    const int RedirectedWidth = 200;

    public static RootCommand Build()
    {
        var root = new RootCommand("Lineage: tells the owner of a trained classifier whether a suspect model was derived from it.");
        foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
        return root;
    }

    /// <summary>Writes each parse error as one "error:" line that points at the command's help, and returns the bad-input exit code.</summary>
    public static int ReportUsageErrors(ParseResult parse, TextWriter error)
    {
        var path = new List<string>();
        for (SymbolResult? r = parse.CommandResult; r is CommandResult c; r = c.Parent)
            path.Insert(0, c.Parent is null ? "lineage" : c.Command.Name);
        foreach (var e in parse.Errors)
            error.WriteLine($"error: {e.Message} (see '{string.Join(' ', path)} --help')");
        return BadInputExitCode;
    }
}
