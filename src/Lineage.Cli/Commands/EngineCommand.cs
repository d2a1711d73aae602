using System.CommandLine;
using System.Runtime.Intrinsics;
using System.Text.Json;
using Lineage.Engine;

namespace Lineage.Cli.Commands;

/// <summary>`lineage engine info`: what the tensor engine will use on this machine.</summary>
internal static class EngineCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };
        var info = new Command("info", "Show the engine's thread count and the vector width it uses");
        info.Options.Add(json);
        info.SetAction(r =>
        {
            var facts = new Dictionary<string, object>
            {
                ["threads"] = EngineSettings.Threads,
                ["vector512"] = Vector512.IsHardwareAccelerated,
                ["vector256"] = Vector256.IsHardwareAccelerated,
                ["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            };
            if (r.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(facts));
            else foreach (var (k, v) in facts) Console.WriteLine($"{k,-10} {v}");
        });
        var cmd = new Command("engine", "Facts about the tensor engine");
        cmd.Subcommands.Add(info);
        return cmd;
    }
}
