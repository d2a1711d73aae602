using System.CommandLine;
using Lineage.Cli.Commands;

namespace Lineage.Cli;

/// <summary>The command tree. Each command lives in Commands/ and only parses, calls the library and prints.</summary>
public static class CliApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Lineage: tells the owner of a trained classifier whether a suspect model was derived from it.");
        foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
        return root;
    }
}
