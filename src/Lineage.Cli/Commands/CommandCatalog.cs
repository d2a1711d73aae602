using System.CommandLine;

namespace Lineage.Cli.Commands;

/// <summary>Every top-level command, in the order `lineage --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return DemoCommand.Create();
        yield return TrainCommand.Create();
        yield return AttackCommand.Create();
        yield return ZooCommand.Create();
        yield return KitCommand.Create();
        yield return GanCommand.Create();
        yield return ModelCommand.Create();
        yield return FingerprintCommand.Create();
        yield return VerifyCommand.Create();
        yield return EvidenceCommand.Create();
        yield return KeyCommand.Create();
        yield return ServeCommand.Create();
        yield return RegistryCommand.Create();
        yield return EvaluateCommand.Create();
        yield return DataCommand.Create();
        yield return EngineCommand.Create();
    }
}
