using Lineage.Engine.Nn;

namespace Lineage.Engine.IO;

/// <summary>Saving and loading a module's state dict (parameters and buffers, PyTorch names) as safetensors.</summary>
public static class ModuleSafeTensors
{
    /// <summary>Integer buffers in PyTorch; written as I64 so torch's load_state_dict sees the dtype it made.</summary>
    static bool IsInt64Buffer(string name) => name == "num_batches_tracked" || name.EndsWith(".num_batches_tracked", StringComparison.Ordinal);

    /// <summary>Writes the module's state dict atomically; batch-norm counters are stored as I64.</summary>
    public static void SaveSafeTensors(this Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var state = module.StateDict();
        var ints = state.Keys.Where(IsInt64Buffer).ToHashSet();
        SafeTensors.Save(path, state, metadata, ints);
    }

    /// <summary>Loads a state dict saved here or by PyTorch (safetensors.torch.save_file / save_model) into the
    /// module; strict requires exactly the module's names and shapes. Returns the file's metadata.</summary>
    public static IReadOnlyDictionary<string, string> LoadSafeTensors(this Module module, string path, bool strict = true)
    {
        var content = SafeTensors.Load(path);
        module.LoadStateDict(content.Tensors, strict);
        return content.Metadata;
    }
}
