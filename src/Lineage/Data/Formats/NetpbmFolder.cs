namespace Lineage.Data.Formats;

/// <summary>
/// An image folder in the torchvision ImageFolder layout: one sub-folder per class (classes are the
/// sub-folder names in ordinal order), each holding .pgm/.ppm images of one common size.
/// </summary>
public static class NetpbmFolder
{
    public static Dataset Read(string root, Preprocessing? preprocessing = null)
    {
        if (!Directory.Exists(root)) throw new DataFormatException(root, "folder not found");
        var classDirs = Directory.GetDirectories(root).OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal).ToArray();
        if (classDirs.Length == 0) throw new DataFormatException(root, "has no class sub-folders; expected ROOT/<class>/<image>.pgm|.ppm");
        var images = new List<float[]>();
        var labels = new List<int>();
        var files = new List<string>();
        int c = -1, h = -1, w = -1;
        for (int k = 0; k < classDirs.Length; k++)
        {
            foreach (var file in Directory.GetFiles(classDirs[k]).Where(IsNetpbm).OrderBy(f => f, StringComparer.Ordinal))
            {
                var (pixels, channels, height, width) = NetpbmFile.Read(file);
                if (c < 0) (c, h, w) = (channels, height, width);
                else if ((channels, height, width) != (c, h, w))
                    throw new DataFormatException(file, $"is {channels} x {height} x {width}; expected {c} x {h} x {w} like the folder's first image");
                images.Add(pixels);
                labels.Add(k);
                files.Add(file);
            }
        }
        if (images.Count == 0) throw new DataFormatException(root, "holds no .pgm or .ppm images in its class sub-folders");
        preprocessing ??= Preprocessing.Identity(c, h, w);
        if (!preprocessing.Shape.AsSpan().SequenceEqual(new[] { c, h, w }))
            throw new DataFormatException(root, $"images are {c} x {h} x {w}; expected {string.Join(" x ", preprocessing.Shape)}");
        int size = c * h * w;
        var all = new float[images.Count * size];
        for (int i = 0; i < images.Count; i++) images[i].CopyTo(all, i * size);
        var names = classDirs.Select(d => Path.GetFileName(d)!).ToArray();
        return new Dataset(all, labels.ToArray(), names, preprocessing, new DataOrigin(Path.GetFileName(Path.TrimEndingDirectorySeparator(root)), "all", [Path.GetFullPath(root)]));
    }

    static bool IsNetpbm(string file) =>
        file.EndsWith(".pgm", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".ppm", StringComparison.OrdinalIgnoreCase);
}
