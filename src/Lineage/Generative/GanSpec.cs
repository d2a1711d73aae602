using System.Globalization;

namespace Lineage.Generative;

/// <summary>
/// The shape of a class-conditional GAN: the latent size (NaturalFinger's SAGAN: 128), the classes it is
/// conditioned on, the image it makes ([channels, size, size], size divisible by 4: two ×2 upsamplings), and the
/// base width of both networks. Recorded in the GAN file, so a generator is rebuilt exactly.
/// </summary>
public sealed record GanSpec
{
    public int LatentSize { get; init; } = 128;
    public required int Classes { get; init; }
    public required int Channels { get; init; }
    public required int ImageSize { get; init; }
    public int Width { get; init; } = 64;

    public int[] ImageShape => [Channels, ImageSize, ImageSize];

    public void Validate()
    {
        if (LatentSize < 1 || Classes < 2 || Channels < 1 || Width < 1)
            throw new ArgumentException($"GAN spec needs a positive latent size, width and channels and at least 2 classes, got {this}");
        if (ImageSize < 8 || ImageSize % 4 != 0)
            throw new ArgumentException($"a GAN's images must be square with a side divisible by 4 (two ×2 upsamplings), got {ImageSize}");
    }

    public IReadOnlyDictionary<string, string> ToMetadata() => new Dictionary<string, string>
    {
        ["latent_size"] = LatentSize.ToString(CultureInfo.InvariantCulture),
        ["classes"] = Classes.ToString(CultureInfo.InvariantCulture),
        ["channels"] = Channels.ToString(CultureInfo.InvariantCulture),
        ["image_size"] = ImageSize.ToString(CultureInfo.InvariantCulture),
        ["width"] = Width.ToString(CultureInfo.InvariantCulture),
    };

    public static GanSpec FromMetadata(IReadOnlyDictionary<string, string> meta, string path)
    {
        int Get(string key) => meta.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v
            : throw new InvalidDataException($"GAN file {path}: metadata '{key}' is {(text == null ? "missing" : $"'{text}', not a non-negative integer")}");
        var spec = new GanSpec { LatentSize = Get("latent_size"), Classes = Get("classes"), Channels = Get("channels"), ImageSize = Get("image_size"), Width = Get("width") };
        try { spec.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"GAN file {path}: {e.Message}"); }
        return spec;
    }

    public override string ToString() => $"z {LatentSize}, {Classes} classes, {Channels}×{ImageSize}×{ImageSize}, width {Width}";
}
