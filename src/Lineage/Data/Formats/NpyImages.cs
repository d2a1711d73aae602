using Lineage.Engine;

namespace Lineage.Data.Formats;

/// <summary>Images kept as a .npy array: [N, C, H, W] pixels in [0, 1], as <c>fingerprint inspect --export-queries</c>
/// and <c>gan sample --npy</c> write them.</summary>
public static class NpyImages
{
    public static Tensor Read(string path)
    {
        var array = NpyFile.Read(path);
        if (array.Shape.Length != 4 || array.Shape[0] == 0)
            throw new ArgumentException($"{path}: queries must be a non-empty [N, C, H, W] array, not {Tensor.FormatShape(array.Shape)}");
        var values = array.ToFloat32();
        if (values.Any(v => !(v >= 0f && v <= 1f))) throw new ArgumentException($"{path}: query pixels must lie in [0, 1]");
        return Tensor.FromArray(values, array.Shape);
    }

    public static void Write(string path, Tensor images) => NpyFile.Write(path, NpyArray.FromFloat32(images.ToArray(), images.Shape));
}
