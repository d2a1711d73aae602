using Lineage.Data;
using Lineage.Data.Augmentations;
using Lineage.Engine;

namespace Lineage.Tests.Data;

public class AugmentationTests
{
    static Tensor Batch(int n, int c, int h, int w)
    {
        var data = new float[n * c * h * w];
        for (int i = 0; i < data.Length; i++) data[i] = (i % 97) / 96f;
        return Tensor.FromArray(data, n, c, h, w);
    }

    public static TheoryData<string> Names => new() { "crop", "hflip", "noise", "translate", "shear", "yun", "corner", "compose", "oneof" };

    static IAugmentation Make(string name) => name switch
    {
        "crop" => new RandomCrop(4),
        "hflip" => new HorizontalFlip(),
        "noise" => new GaussianNoise(0.1f),
        "translate" => new RandomTranslation(4),
        "shear" => new RandomShear(0.3f),
        "yun" => new YunCutMix(boxPerSample: true),
        "corner" => new CornerCutMix(),
        "compose" => new Compose(new RandomCrop(2), new HorizontalFlip(), new GaussianNoise(0.05f)),
        "oneof" => new OneOf(new Identity(), new HorizontalFlip(1), new GaussianNoise(0.02f), new RandomTranslation(4), new RandomShear(0.1f)),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void SameSeedSameOutputAndInputUntouched(string name)
    {
        var batch = Batch(8, 3, 16, 16);
        var before = batch.ToArray();
        var aug = Make(name);
        var a = aug.Apply(batch, new Generator(42)).ToArray();
        var b = aug.Apply(batch, new Generator(42)).ToArray();
        Assert.Equal(a, b);
        Assert.Equal(before, batch.ToArray());
        if (name != "oneof") Assert.NotEqual(before, a);
        var other = Enumerable.Range(43, 5).Select(s => aug.Apply(batch, new Generator(s)).ToArray());
        Assert.Contains(other, o => !o.SequenceEqual(a));
    }

    [Fact]
    public void HorizontalFlipIsExact()
    {
        var batch = Batch(2, 3, 4, 5);
        var flipped = new HorizontalFlip(1).Apply(batch, new Generator(0));
        for (int n = 0; n < 2; n++) for (int c = 0; c < 3; c++) for (int y = 0; y < 4; y++) for (int x = 0; x < 5; x++)
            Assert.Equal(batch[n, c, y, x], flipped[n, c, y, 4 - x]);
        Assert.Equal(batch.ToArray(), new HorizontalFlip(1).Apply(flipped, new Generator(0)).ToArray());
    }

    [Fact]
    public void TransposeFlipSwapsHeightAndWidth()
    {
        var batch = Batch(2, 3, 4, 6);
        var t = new TransposeFlip().Apply(batch, new Generator(0));
        Assert.Equal([2, 3, 6, 4], t.Shape);
        for (int n = 0; n < 2; n++) for (int c = 0; c < 3; c++) for (int y = 0; y < 4; y++) for (int x = 0; x < 6; x++)
            Assert.Equal(batch[n, c, y, x], t[n, c, x, y]);
    }

    [Fact]
    public void TranslationMovesContentByWholePixels()
    {
        var batch = Batch(1, 1, 8, 8);
        var shifted = new RandomTranslation(3).Apply(batch, new Generator(5));
        // Find the shift that explains the output and check every pixel against it.
        bool found = false;
        for (int dy = -3; dy <= 3 && !found; dy++)
            for (int dx = -3; dx <= 3 && !found; dx++)
            {
                bool ok = true;
                for (int y = 0; y < 8 && ok; y++) for (int x = 0; x < 8 && ok; x++)
                {
                    int sy = y - dy, sx = x - dx;
                    float expected = sy is >= 0 and < 8 && sx is >= 0 and < 8 ? batch[0, 0, sy, sx] : 0f;
                    ok = shifted[0, 0, y, x] == expected;
                }
                found = ok;
            }
        Assert.True(found);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(28)]
    public void CornerCutMixBoxIsAFifthOfWidthSharedAndInACorner(int size)
    {
        for (int seed = 0; seed < 50; seed++)
        {
            var batch = Batch(6, 3, size, size);
            var result = new CornerCutMix().Mix(batch, new Generator(seed));
            var box = result.Boxes[0];
            Assert.All(result.Boxes, b => Assert.Equal(box, b));
            int side = (int)Math.Round(0.2 * size, MidpointRounding.AwayFromZero);
            Assert.Equal(side, box.Width);
            Assert.Equal(side, box.Height);
            Assert.True(box.CenterX <= size / 6.0 || box.CenterX >= 5 * size / 6.0, $"centre x {box.CenterX} inside ({size / 6.0}, {5 * size / 6.0})");
            Assert.True(box.CenterY <= size / 6.0 || box.CenterY >= 5 * size / 6.0, $"centre y {box.CenterY} inside ({size / 6.0}, {5 * size / 6.0})");
            Assert.Equal(result.Partner.Order(), Enumerable.Range(0, 6));
            AssertPasted(batch, result);
        }
    }

    /// <summary>Inside the box pixels come from the partner, outside from the image itself.</summary>
    static void AssertPasted(Tensor batch, CutMixResult result)
    {
        int n = batch.Shape[0], c = batch.Shape[1], h = batch.Shape[2], w = batch.Shape[3];
        for (int i = 0; i < n; i++)
        {
            var b = result.Boxes[i];
            for (int ch = 0; ch < c; ch++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++)
            {
                bool inside = x >= b.X0 && x < b.X1 && y >= b.Y0 && y < b.Y1;
                Assert.Equal(batch[inside ? result.Partner[i] : i, ch, y, x], result.Images[i, ch, y, x]);
            }
        }
    }

    [Fact]
    public void YunCutMixLabelWeightsMatchBoxArea()
    {
        var batch = Batch(16, 1, 20, 24);
        var labels = Enumerable.Range(0, 16).Select(i => i % 4).ToArray();
        var result = new YunCutMix(alpha: 1.0, boxPerSample: true).Mix(batch, new Generator(9));
        var soft = result.SoftLabels(labels, 4);
        Assert.True(result.Boxes.Distinct().Count() > 1);
        for (int i = 0; i < 16; i++)
        {
            float lambda = 1f - result.Boxes[i].Area / (20f * 24f);
            Assert.Equal(lambda, result.Lambda[i], 6);
            float ownWeight = soft[i, labels[i]], partnerWeight = soft[i, labels[result.Partner[i]]];
            if (labels[i] == labels[result.Partner[i]]) Assert.Equal(1f, ownWeight, 6);
            else { Assert.Equal(lambda, ownWeight, 6); Assert.Equal(1 - lambda, partnerWeight, 6); }
            float rowSum = 0;
            for (int k = 0; k < 4; k++) rowSum += soft[i, k];
            Assert.Equal(1f, rowSum, 5);
        }
        AssertPasted(batch, result);
    }

    [Fact]
    public void YunCutMixSharesOneBoxByDefault()
    {
        var result = new YunCutMix().Mix(Batch(8, 1, 16, 16), new Generator(3));
        Assert.Single(result.Boxes.Distinct());
    }

    [Fact]
    public void SacMixedSamplesAreCutMixThenTranspose()
    {
        var batch = Batch(4, 3, 32, 32);
        var sacM = new Compose(new CornerCutMix(), new TransposeFlip());
        var direct = new TransposeFlip().Apply(new CornerCutMix().Apply(batch, new Generator(11)), new Generator(0));
        Assert.Equal(direct.ToArray(), sacM.Apply(batch, new Generator(11)).ToArray());
    }
}
