using Lineage.Data;
using Lineage.Engine;

namespace Lineage.Tests.Generative;

/// <summary>A two-class toy set of 8×8 images a tiny GAN can learn in seconds: class 0 a bright horizontal bar,
/// class 1 a bright vertical bar, each at a random position on a dark background.</summary>
public static class ToyImages
{
    public static Dataset Bars(int count, int seed)
    {
        var gen = new Generator(seed);
        var images = new float[count * 64];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % 2, at = 1 + gen.NextInt(6);
            labels[i] = label;
            for (int k = 0; k < 8; k++)
            {
                int y = label == 0 ? at : k, x = label == 0 ? k : at;
                images[i * 64 + y * 8 + x] = 0.9f;
            }
        }
        return new Dataset(images, labels, ["horizontal", "vertical"], new Preprocessing([0.5f], [0.5f], [1, 8, 8]), new DataOrigin("bars", "train", []));
    }
}
