namespace Lineage.Data.Formats;

/// <summary>
/// A dataset as a .npz for Python users: <c>images</c> (float32 N x C x H x W in [0, 1]), <c>labels</c>
/// (int64 N), <c>class_names</c> (NumPy strings), and the preprocessing as <c>mean</c> and <c>std</c>
/// (float32 C). Only images and labels are required. Reading also accepts
/// what Python code usually has: uint8 images (scaled by 1/255), N x H x W (one channel) and
/// N x H x W x C (channels last, C in 1 or 3, converted to NCHW).
/// </summary>
public static class NpzSampleSet
{
    public static void Write(string path, Dataset dataset)
    {
        var arrays = new Dictionary<string, NpyArray>
        {
            ["images"] = NpyArray.FromFloat32(dataset.Images, dataset.Count, dataset.Channels, dataset.Height, dataset.Width),
            ["labels"] = NpyArray.FromInt64(Array.ConvertAll(dataset.Labels, y => (long)y), dataset.Count),
            ["mean"] = NpyArray.FromFloat32(dataset.Preprocessing.Mean, dataset.Channels),
            ["std"] = NpyArray.FromFloat32(dataset.Preprocessing.Std, dataset.Channels),
            ["class_names"] = NpyArray.FromStrings(dataset.ClassNames.ToArray()),
        };
        NpzFile.Write(path, arrays);
    }

    /// <param name="classNames">Names of the classes; when null, the file's <c>class_names</c>, else
    /// "0".."k-1" with k one more than the largest label.</param>
    public static Dataset Read(string path, IReadOnlyList<string>? classNames = null)
    {
        var arrays = NpzFile.Read(path);
        if (!arrays.TryGetValue("images", out var imagesArray))
            throw new DataFormatException(path, $"has no 'images' array; found {string.Join(", ", arrays.Keys)}");
        if (!arrays.TryGetValue("labels", out var labelsArray))
            throw new DataFormatException(path, $"has no 'labels' array; found {string.Join(", ", arrays.Keys)}");
        var (n, c, h, w, channelsLast) = Layout(imagesArray, path);
        if (labelsArray.Shape.Length != 1 || labelsArray.Shape[0] != n)
            throw new DataFormatException(path, $"'labels' has shape ({string.Join(", ", labelsArray.Shape)}); expected ({n},) to match {n} images");
        if (imagesArray.Type is not (NpyType.UInt8 or NpyType.Float32 or NpyType.Float64))
            throw new DataFormatException(path, $"'images' has dtype {imagesArray.Descr}; expected uint8 or float32");
        if (classNames is null && arrays.TryGetValue("class_names", out var namesArray))
        {
            if (namesArray.Type != NpyType.Unicode || namesArray.Shape.Length != 1)
                throw new DataFormatException(path, $"'class_names' is {namesArray}; expected a 1-d array of strings");
            classNames = namesArray.ToStrings();
        }
        int[] labels;
        try { labels = labelsArray.ToInt32(); }
        catch (Exception e) when (e is FormatException or OverflowException) { throw new DataFormatException(path, "'labels' must hold integers: " + e.Message, e); }
        int classes = classNames?.Count ?? (labels.Length == 0 ? 1 : labels.Max() + 1);
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classes)
                throw new DataFormatException(path, $"label {labels[i]} at index {i} is out of range; expected 0..{classes - 1}");
        var pixels = imagesArray.ToFloat32(scaleBytes: true);
        var images = channelsLast ? ToChannelsFirst(pixels, n, c, h, w) : pixels;
        var preprocessing = Preprocessing.Identity(c, h, w);
        if (arrays.TryGetValue("mean", out var mean) && arrays.TryGetValue("std", out var std))
        {
            if (mean.Length != c || std.Length != c)
                throw new DataFormatException(path, $"'mean' and 'std' must hold {c} values, one per channel");
            try { preprocessing = new Preprocessing(mean.ToFloat32(false), std.ToFloat32(false), [c, h, w]); }
            catch (ArgumentException e) { throw new DataFormatException(path, e.Message, e); }
        }
        var names = classNames ?? Enumerable.Range(0, classes).Select(k => k.ToString()).ToArray();
        return new Dataset(images, labels, names, preprocessing, new DataOrigin(Path.GetFileNameWithoutExtension(path), "all", [Path.GetFullPath(path)]));
    }

    static (int N, int C, int H, int W, bool ChannelsLast) Layout(NpyArray images, string path)
    {
        var s = images.Shape;
        if (s.Length == 3) return (s[0], 1, s[1], s[2], false);
        if (s.Length == 4)
        {
            bool firstLooksLikeChannels = s[1] is 1 or 3;
            bool lastLooksLikeChannels = s[3] is 1 or 3;
            // Ambiguous shapes (both or neither look like a channel axis) are taken as our own NCHW.
            if (lastLooksLikeChannels && !firstLooksLikeChannels) return (s[0], s[3], s[1], s[2], true);
            return (s[0], s[1], s[2], s[3], false);
        }
        throw new DataFormatException(path, $"'images' has shape ({string.Join(", ", s)}); expected N x H x W, N x C x H x W or N x H x W x C");
    }

    static float[] ToChannelsFirst(float[] nhwc, int n, int c, int h, int w)
    {
        var nchw = new float[nhwc.Length];
        int plane = h * w;
        for (int i = 0; i < n; i++)
            for (int p = 0; p < plane; p++)
                for (int k = 0; k < c; k++)
                    nchw[(i * c + k) * plane + p] = nhwc[(i * plane + p) * c + k];
        return nchw;
    }
}
