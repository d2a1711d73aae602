using System.CommandLine;
using System.Text.Json;
using Lineage.Attacks;
using Lineage.Data;
using Lineage.Models;
using Lineage.Models.Training;

namespace Lineage.Cli.Commands;

/// <summary>`lineage attack NAME`: derives a model from a source model file with one of the thief's attacks;
/// `lineage attack list`: every attack, its category and parameters with defaults.</summary>
internal static class AttackCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var name = new Argument<string>("name") { Description = "Attack: " + string.Join(", ", AttackCatalog.Names) + " (see 'lineage attack list')" };
        var source = new Option<string>("--source", "-s") { Description = "Source model file", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Model file to write", Required = true };
        var parameters = new Option<string[]>("--param", "-p") { Description = "Attack parameter key=value (repeatable)", AllowMultipleArgumentsPerToken = false };
        var part = new Option<DataPart>("--part") { Description = "The thief's data: the attacker half (default), the defender half or all", DefaultValueFactory = _ => DataPart.Attacker };
        var splitSeed = new Option<int>("--split-seed") { Description = "Seed of the defender/attacker split", DefaultValueFactory = _ => 1 };
        var transfer = new Option<string?>("--transfer-data") { Description = "Transfer set of another distribution (knockoff; transfer-a/l with target=transfer-set), e.g. cifar100" };
        var seed = new Option<int>("--seed") { Description = "Seed of the attack (initial weights, batch order, noise)", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var cmd = new Command("attack", "Derive a model from a source model with a model-stealing attack and write it with its lineage");
        cmd.Arguments.Add(name);
        data.AddTo(cmd);
        foreach (var o in new Option[] { source, output, parameters, part, splitSeed, transfer, seed, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            // parameters are checked before anything is loaded or trained
            var attack = AttackCatalog.Create(r.GetValue(name)!, AttackCatalog.ParseParameters(r.GetValue(parameters) ?? []));
            var sourceFile = ModelFile.Load(r.GetValue(source)!);
            var pair = data.Load(r);
            DatasetPair? transferPair = r.GetValue(transfer) is string t ? DatasetCatalog.Load(t, data.LoadOptions(r)) : null;
            string outPath = r.GetValue(output)!;
            var result = ProgressDisplay.Run(attack.Name, p => attack.Run(sourceFile, new AttackContext
            {
                ThiefData = TrainingJob.SelectPart(pair.Train, r.GetValue(part), r.GetValue(splitSeed)),
                Test = pair.Test,
                TransferSet = transferPair?.Train,
                TransferTest = transferPair?.Test,
                Seed = r.GetValue(seed),
                Progress = p,
            }));
            result.Save(outPath);
            if (r.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    model = outPath, hash = result.Hash, attack = attack.Name, category = attack.Category.ToString(), parent = result.Lineage.ParentHash,
                    parameters = result.Lineage.Parameters, architecture = result.Spec.ToString(), trained_on = result.TrainedOn,
                    test_accuracy = result.TestAccuracy, source_test_accuracy = sourceFile.TestAccuracy, lineage = result.Lineage.Chain,
                }));
            else
            {
                Console.WriteLine($"wrote {outPath}: {attack.Name} ({attack.Category}) of {r.GetValue(source)}, {result.Spec}, test accuracy {result.TestAccuracy:P2} (source {sourceFile.TestAccuracy:P2})");
                Console.WriteLine($"lineage: {result.Lineage.Chain}");
            }
            return 0;
        }));
        cmd.Subcommands.Add(CreateList());
        return cmd;
    }

    static Command CreateList()
    {
        var json = new Option<bool>("--json") { Description = "Print the list as JSON" };
        var cmd = new Command("list", "List every attack, its category and its parameters with defaults");
        cmd.Options.Add(json);
        cmd.SetAction(r =>
        {
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(AttackCatalog.All.Select(a => new
                {
                    name = a.Name, category = a.Category.ToString(), description = a.Description,
                    parameters = a.Parameters.Select(p => new { name = p.Name, @default = p.Default, description = p.Description }),
                })));
                return 0;
            }
            foreach (var a in AttackCatalog.All)
            {
                Console.WriteLine($"{a.Name}  [{a.Category}]  {a.Description}");
                foreach (var p in a.Parameters)
                    Console.WriteLine($"    {p.Name}={(p.Default.Length == 0 ? "(unset)" : p.Default)}  {p.Description}");
            }
            return 0;
        });
        return cmd;
    }
}
