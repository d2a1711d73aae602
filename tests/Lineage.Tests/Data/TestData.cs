using Lineage.Data;

namespace Lineage.Tests.Data;

/// <summary>Small datasets and byte patterns for the tests.</summary>
internal static class TestData
{
    /// <summary>n images of c x h x w where pixel values encode (image, position) and label = i % classes.</summary>
    public static Dataset Make(int n, int classes = 10, int c = 1, int h = 4, int w = 4)
    {
        int size = c * h * w;
        var images = new float[n * size];
        for (int i = 0; i < images.Length; i++) images[i] = (i % 251) / 250f;
        var labels = Enumerable.Range(0, n).Select(i => i % classes).ToArray();
        var names = Enumerable.Range(0, classes).Select(k => "class" + k).ToArray();
        return new Dataset(images, labels, names, Preprocessing.Identity(c, h, w), new DataOrigin("toy", "train", []));
    }

    public static byte[] Pixels(int count, int seed = 0) =>
        Enumerable.Range(0, count).Select(i => (byte)((i * 37 + seed * 11) % 256)).ToArray();
}
