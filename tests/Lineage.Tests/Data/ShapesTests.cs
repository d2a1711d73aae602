using Lineage.Data;

namespace Lineage.Tests.Data;

public class ShapesTests
{
    [Fact]
    public void DeterministicForASeedAndIndependentOfThreadCount()
    {
        var a = ShapesDataset.Generate(ShapesVariant.Gray28, 300, seed: 4);
        var b = ShapesDataset.Generate(ShapesVariant.Gray28, 300, seed: 4, maxThreads: 1);
        var c = ShapesDataset.Generate(ShapesVariant.Gray28, 300, seed: 5);
        Assert.Equal(a.Images, b.Images);
        Assert.Equal(a.Labels, b.Labels);
        Assert.NotEqual(a.Images, c.Images);
    }

    [Fact]
    public void TrainAndTestStreamsDiffer()
    {
        var pair = DatasetCatalog.Load("shapes", new DatasetLoadOptions { TrainCount = 50, TestCount = 50 });
        Assert.NotEqual(pair.Train.Images, pair.Test.Images);
        Assert.Equal("shapes(seed=0)/train", pair.Train.Origin.Description);
        Assert.Equal("shapes(seed=0)/test", pair.Test.Origin.Description);
    }

    [Fact]
    public void BothVariantsHaveTheirShapesAndStayInRange()
    {
        var gray = ShapesDataset.Generate(ShapesVariant.Gray28, 40, 0);
        var color = DatasetCatalog.Load("shapes32", new DatasetLoadOptions { TrainCount = 40, TestCount = 10 }).Train;
        Assert.Equal([1, 28, 28], gray.ImageShape);
        Assert.Equal([3, 32, 32], color.ImageShape);
        Assert.All(new[] { gray, color }, ds =>
        {
            Assert.All(ds.ClassCounts(), n => Assert.Equal(4, n));
            Assert.All(ds.Images, v => Assert.InRange(v, 0f, 1f));
        });
    }

    [Theory]
    [InlineData(ShapesVariant.Gray28)]
    [InlineData(ShapesVariant.Color32)]
    public void DeclaredStatisticsMatchTheGenerator(ShapesVariant variant)
    {
        var ds = ShapesDataset.Generate(variant, 5_000, 0);
        var (mean, std) = ds.ChannelStatistics();
        for (int c = 0; c < ds.Channels; c++)
        {
            Assert.Equal(ds.Preprocessing.Mean[c], mean[c], 0.01f);
            Assert.Equal(ds.Preprocessing.Std[c], std[c], 0.01f);
        }
    }

    /// <summary>
    /// Stand-in for "a small CNN learns it but not perfectly", which needs the nn modules: a softmax
    /// regression on shift-invariant features (autocorrelation of the mean-free image at small offsets,
    /// plus an intensity histogram). Objects move around the image, so raw-pixel linear models sit near
    /// chance (19%); these features give 63% here (68% with 10,000 training images), a small CNN 86%
    /// (docs/data.md). The test asserts the classes carry learnable
    /// signal (well above the 10% chance level) while a linear model is far from solving the task.
    /// </summary>
    [Fact]
    public void LearnableButNotTrivialForALinearBaseline()
    {
        var train = ShapesDataset.Generate(ShapesVariant.Gray28, 2_000, 0, ShapesDataset.TrainStream);
        var test = ShapesDataset.Generate(ShapesVariant.Gray28, 500, 0, ShapesDataset.TestStream);
        var xTrain = Features(train);
        var xTest = Features(test);
        Standardise(xTrain, xTest);
        int f = xTrain[0].Length, k = train.NumClasses;
        var weights = new double[k, f + 1];
        var order = Enumerable.Range(0, train.Count).ToArray();
        var rng = new Lineage.Engine.Generator(1);
        var z = new double[k];
        for (int epoch = 0; epoch < 15; epoch++)
        {
            rng.Shuffle(order);
            foreach (int i in order)
            {
                Scores(weights, xTrain[i], z);
                double max = z.Max(), sum = 0;
                for (int y = 0; y < k; y++) sum += z[y] = Math.Exp(z[y] - max);
                for (int y = 0; y < k; y++)
                {
                    double g = z[y] / sum - (y == train.Labels[i] ? 1 : 0);
                    for (int j = 0; j < f; j++) weights[y, j] -= 0.01 * g * xTrain[i][j];
                    weights[y, f] -= 0.01 * g;
                }
            }
        }
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            Scores(weights, xTest[i], z);
            if (Array.IndexOf(z, z.Max()) == test.Labels[i]) correct++;
        }
        double accuracy = correct / (double)test.Count;
        Assert.InRange(accuracy, 0.30, 0.90);
    }

    static void Scores(double[,] w, double[] x, double[] z)
    {
        int f = x.Length;
        for (int y = 0; y < z.Length; y++)
        {
            double a = w[y, f];
            for (int j = 0; j < f; j++) a += w[y, j] * x[j];
            z[y] = a;
        }
    }

    static double[][] Features(Dataset ds)
    {
        int s = ds.Height;
        var result = new double[ds.Count][];
        Parallel.For(0, ds.Count, i =>
        {
            var g = ds.Image(i).ToArray().Select(v => (double)v).ToArray();
            double mean = g.Average(), sd = Math.Sqrt(g.Select(v => (v - mean) * (v - mean)).Average()) + 1e-6;
            for (int p = 0; p < g.Length; p++) g[p] = (g[p] - mean) / sd;
            var features = new List<double>();
            for (int dy = 0; dy <= 5; dy++)
                for (int dx = -5; dx <= 5; dx++)
                {
                    if (dy == 0 && dx <= 0) continue;
                    double acc = 0; int n = 0;
                    for (int y = 0; y + dy < s; y++)
                        for (int x = Math.Max(0, -dx); x < s && x + dx < s; x++) { acc += g[y * s + x] * g[(y + dy) * s + x + dx]; n++; }
                    features.Add(acc / n);
                }
            var histogram = new double[10];
            foreach (var v in g) histogram[Math.Clamp((int)((v + 2.5) * 2), 0, 9)] += 1.0 / g.Length;
            features.AddRange(histogram);
            result[i] = features.ToArray();
        });
        return result;
    }

    static void Standardise(double[][] train, double[][] test)
    {
        int f = train[0].Length;
        for (int j = 0; j < f; j++)
        {
            double mean = train.Average(x => x[j]);
            double sd = Math.Sqrt(train.Average(x => (x[j] - mean) * (x[j] - mean))) + 1e-9;
            foreach (var x in train.Concat(test)) x[j] = (x[j] - mean) / sd;
        }
    }
}
