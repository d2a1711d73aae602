using System.CommandLine;
using System.Text.Json;
using Lineage.Models;

namespace Lineage.Cli.Commands;

/// <summary>`lineage model info FILE`: what a model file says about itself.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A Lineage model file" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var info = new Command("info", "Show a model file's architecture, data, lineage, accuracy and hash");
        info.Arguments.Add(file);
        info.Options.Add(json);
        info.SetAction(r => CommandErrors.Guard(() =>
        {
            var path = r.GetValue(file)!;
            var m = ModelFile.Load(path);
            var facts = new
            {
                file = path,
                hash = m.Hash,
                architecture = m.Spec,
                parameters = m.Model.ParameterCount(),
                preprocessing = new { mean = m.Preprocessing.Mean, std = m.Preprocessing.Std, shape = m.Preprocessing.Shape },
                trained_on = m.TrainedOn,
                lineage = m.Lineage,
                test_accuracy = m.TestAccuracy,
                created = m.CreatedUtc,
            };
            if (r.GetValue(json)) { Console.WriteLine(JsonSerializer.Serialize(facts)); return 0; }
            Console.WriteLine($"file           {path}");
            Console.WriteLine($"hash           {m.Hash}");
            Console.WriteLine($"architecture   {m.Spec} ({m.Model.ParameterCount():N0} parameters)");
            Console.WriteLine($"preprocessing  {m.Preprocessing}");
            Console.WriteLine($"trained on     {m.TrainedOn}");
            Console.WriteLine($"lineage        {m.Lineage.Chain}");
            if (m.Lineage.ParentHash != null) Console.WriteLine($"parent         {m.Lineage.ParentHash}");
            Console.WriteLine($"test accuracy  {(m.TestAccuracy is double a ? a.ToString("P2") : "not measured")}");
            Console.WriteLine($"created        {m.CreatedUtc:u}");
            return 0;
        }));
        var source = new Argument<string>("file") { Description = "A Lineage model file" };
        var onnxOut = new Option<string>("--out", "-o") { Description = "ONNX file to write (opset 13, dynamic batch)", Required = true };
        var export = new Command("export", "Export a model file to ONNX (the network only: apply the model's preprocessing before feeding it)");
        export.Arguments.Add(source);
        export.Options.Add(onnxOut);
        export.SetAction(r => CommandErrors.Guard(() =>
        {
            var m = ModelFile.Load(r.GetValue(source)!);
            var path = r.GetValue(onnxOut)!;
            Lineage.Engine.Onnx.OnnxExporter.Export(m.Model, m.Preprocessing.Shape, path);
            Console.WriteLine($"wrote {path}: {m.Spec}; inputs are normalised with {m.Preprocessing}");
            return 0;
        }));
        var cmd = new Command("model", "Inspect and export model files");
        cmd.Subcommands.Add(info);
        cmd.Subcommands.Add(export);
        return cmd;
    }
}
