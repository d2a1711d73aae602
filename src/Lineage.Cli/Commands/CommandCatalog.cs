using System.CommandLine;

namespace Lineage.Cli.Commands;

/// <summary>Every top-level command, in the order `lineage --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return TrainCommand.Create();
        yield return ModelCommand.Create();
        yield return AttackCommand.Create();
        yield return EngineCommand.Create();
        yield return DataCommand.Create();
    }
}
