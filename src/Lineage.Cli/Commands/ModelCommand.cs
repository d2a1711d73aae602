using System.CommandLine;
using System.Text.Json;
using Lineage.Models;

namespace Lineage.Cli.Commands;

/// <summary>`lineage model info FILE`: what a model file says about itself.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A Lineage model file, or an ONNX file (.onnx)" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var info = new Command("info", "Show a model file's architecture, data, lineage, accuracy and hash (an ONNX file's opset, inputs, outputs and hash)");
        info.Arguments.Add(file);
        info.Options.Add(json);
        info.SetAction(r => CommandErrors.Guard(() =>
        {
            var path = r.GetValue(file)!;
            if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) return OnnxInfo(path, r.GetValue(json));
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

    /// <summary>An ONNX file has no lineage or data of its own: its identity (the SHA-256 Lineage uses for it everywhere),
    /// and what the engine's importer makes of it, which decides whether it can be a white-box source (suspects run on
    /// ONNX Runtime either way).</summary>
    static int OnnxInfo(string path, bool json)
    {
        var bytes = Lineage.Engine.IO.RegularFile.ReadAll(path);
        string hash = Lineage.Suspects.OnnxClassifier.FileHash(bytes);
        Lineage.Engine.Onnx.OnnxModel? model = null;
        string? refused = null;
        try { model = Lineage.Engine.Onnx.OnnxModel.Load(bytes, path); }
        catch (NotSupportedException e) { refused = e.Message; }
        var facts = new
        {
            file = path,
            format = "onnx",
            hash,
            bytes = bytes.Length,
            opset = model?.Opset,
            inputs = model?.Inputs.Select(i => new { name = i.Name, shape = i.Shape }),
            outputs = model?.Outputs,
            parameters = model?.ParameterCount(),
            white_box_source = refused == null,
            importer_refused = refused,
        };
        if (json) { Console.WriteLine(JsonSerializer.Serialize(facts)); return 0; }
        Console.WriteLine($"file           {path} (ONNX, {bytes.Length:N0} bytes)");
        Console.WriteLine($"hash           {hash}");
        if (model != null)
        {
            Console.WriteLine($"opset          {model.Opset}");
            foreach (var i in model.Inputs) Console.WriteLine($"input          {i.Name} {Lineage.Engine.Tensor.FormatShape(i.Shape)}");
            Console.WriteLine($"outputs        {string.Join(", ", model.Outputs)}");
            Console.WriteLine($"parameters     {model.ParameterCount():N0}");
            Console.WriteLine("white-box      yes: the engine imports it with gradients, so it can be a fingerprint's source");
        }
        else Console.WriteLine($"white-box      no: {refused}; as a suspect it runs on ONNX Runtime");
        return 0;
    }
}
