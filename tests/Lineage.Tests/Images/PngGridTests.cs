using Lineage.Engine;
using Lineage.Images;
using SkiaSharp;

namespace Lineage.Tests.Images;

public sealed class PngGridTests
{
    [Fact]
    public void DecodesToTheStatedSizeWithTheImagesInPlace()
    {
        // three 2×3 grey images: black, white, mid-grey; two columns, scale 2, gap 1
        var images = Tensor.FromArray([.. Enumerable.Repeat(0f, 6), .. Enumerable.Repeat(1f, 6), .. Enumerable.Repeat(0.5f, 6)], 3, 1, 2, 3);
        var png = PngGrid.Encode(images, columns: 2, scale: 2, gap: 1);
        using var bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        Assert.Equal(2 * 6 + 3, bitmap.Width);    // columns × (3 px × 2) + gaps
        Assert.Equal(2 * 4 + 3, bitmap.Height);   // rows × (2 px × 2) + gaps
        Assert.Equal(new SKColor(0, 0, 0), bitmap.GetPixel(1, 1));
        Assert.Equal(new SKColor(255, 255, 255), bitmap.GetPixel(1 + 6 + 1, 1));
        Assert.Equal(new SKColor(128, 128, 128), bitmap.GetPixel(1, 1 + 4 + 1));
        Assert.Equal(new SKColor(255, 255, 255), bitmap.GetPixel(0, 0));   // the gap
    }

    [Fact]
    public void ColourImagesKeepTheirChannels()
    {
        var rgb = Tensor.FromArray([1f, 0f, 0f], 1, 3, 1, 1);   // one red pixel
        using var bitmap = SKBitmap.Decode(PngGrid.Encode(rgb, columns: 1, scale: 1, gap: 0));
        Assert.Equal(new SKColor(255, 0, 0), bitmap.GetPixel(0, 0));
    }

    [Fact]
    public void RowsSpreadEachSetEvenlyAndLeaveBlankTiles()
    {
        // set A: 6 one-pixel images 0..5; set B: one image; 3 columns
        var a = Tensor.FromArray([0f, 1f, 2f, 3f, 4f, 5f], 6, 1, 1, 1);
        var b = Tensor.FromArray([9f], 1, 1, 1, 1);
        var rows = PngGrid.Rows([a, b], columns: 3);
        Assert.Equal([6, 1, 1, 1], rows.Shape);
        Assert.Equal([0f, 2f, 4f, 9f, 0f, 0f], rows.ToArray());
        Assert.Throws<ArgumentException>(() => PngGrid.Rows([a, Tensor.Zeros(1, 1, 2, 2)], columns: 3));
    }

    [Fact]
    public void RefusesWhatIsNotAnImageBatch() =>
        Assert.Throws<ArgumentException>(() => PngGrid.Encode(Tensor.Zeros(2, 2, 4, 4), columns: 2));
}
