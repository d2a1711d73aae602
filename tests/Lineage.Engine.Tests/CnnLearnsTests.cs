using Lineage.Engine;
using Lineage.Engine.Nn;
using Lineage.Engine.Optim;

namespace Lineage.Engine.Tests;

/// <summary>End to end: a small CNN trained with the engine learns a task this test builds.</summary>
public class CnnLearnsTests
{
    /// <summary>Four classes of 12×12 images with noise: a horizontal bar, a vertical bar, a diagonal,
    /// or a 4×4 square, each at a random position.</summary>
    static (Tensor x, int[] y) Patterns(int n, int seed)
    {
        var gen = new Generator(seed);
        var x = Tensor.Persistent(n, 1, 12, 12);
        var y = new int[n];
        for (int s = 0; s < n; s++)
        {
            int c = gen.NextInt(4); y[s] = c;
            var img = x.Span.Slice(s * 144, 144);
            for (int i = 0; i < 144; i++) img[i] = 0.3f * gen.NextFloat();
            int r = gen.NextInt(2, 10), q = gen.NextInt(2, 10);
            for (int k = -3; k <= 3; k++)
            {
                switch (c)
                {
                    case 0: if (q + k is >= 0 and < 12) img[r * 12 + q + k] += 0.8f; break;
                    case 1: if (r + k is >= 0 and < 12) img[(r + k) * 12 + q] += 0.8f; break;
                    case 2: if (r + k is >= 0 and < 12 && q + k is >= 0 and < 12) img[(r + k) * 12 + q + k] += 0.8f; break;
                }
            }
            if (c == 3) for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) if (r - 2 + i < 12 && q - 2 + j < 12) img[(r - 2 + i) * 12 + q - 2 + j] += 0.6f;
        }
        return (x, y);
    }

    [Fact]
    public void SmallCnnReachesNinetyFivePercent()
    {
        var gen = new Generator(11);
        var net = new Sequential(
            new Conv2d(1, 8, 3, gen, padding: 1), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
            new Conv2d(8, 16, 3, gen, padding: 1), new ReLU(), new AdaptiveAvgPool2d(1), new Flatten(),
            new Linear(16, 4, gen));
        var (x, y) = Patterns(1024, 1);
        var (xt, yt) = Patterns(512, 2);
        var opt = new Adam(net.Parameters(), lr: 0.01);
        var order = new Generator(3);
        for (int epoch = 0; epoch < 8; epoch++)
        {
            var perm = order.Permutation(1024);
            for (int b = 0; b < 1024; b += 64)
            {
                using var scope = TensorScope.Begin();
                var idx = perm[b..(b + 64)];
                opt.ZeroGrad();
                Functional.CrossEntropy(net.Forward(x.IndexSelect(0, idx)), idx.Select(i => y[i]).ToArray()).Backward();
                opt.Step();
            }
        }
        net.Eval();
        int[] pred;
        using (GradMode.NoGrad()) pred = net.Forward(xt).ArgMax(1);
        double accuracy = pred.Zip(yt).Count(p => p.First == p.Second) / 512.0;
        Assert.True(accuracy >= 0.95, $"test accuracy {accuracy:P1} below 95%");
    }
}
