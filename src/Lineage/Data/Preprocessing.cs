using System.Text.Json;
using System.Text.Json.Serialization;
using Lineage.Engine;

namespace Lineage.Data;

/// <summary>
/// How a model expects its input: images of <see cref="Shape"/> (C, H, W) with pixels scaled to
/// [0, 1], then normalised per channel as (x - mean) / std. Datasets store the [0, 1] images and
/// carry this record; models record it too, so verification applies the declared step, never a guess.
/// </summary>
public sealed record Preprocessing
{
    /// <summary>Per-channel mean of the [0, 1] pixels.</summary>
    public float[] Mean { get; init; }
    /// <summary>Per-channel standard deviation of the [0, 1] pixels.</summary>
    public float[] Std { get; init; }
    /// <summary>Input shape without the batch axis: (C, H, W).</summary>
    public int[] Shape { get; init; }
    /// <summary>Factor that maps stored pixel values to [0, 1] (1/255 for 8-bit files). Informational
    /// for users who feed raw bytes; Lineage's own datasets are already scaled.</summary>
    public float PixelScale { get; init; } = 1f / 255f;

    [JsonConstructor]
    public Preprocessing(float[] mean, float[] std, int[] shape)
    {
        if (mean is null || std is null) throw new ArgumentException("preprocessing needs a 'mean' and a 'std' list");
        if (shape is not { Length: 3 } || shape.Any(d => d <= 0))
            throw new ArgumentException($"preprocessing shape must be (C, H, W) with positive sizes, got {Tensor.FormatShape(shape ?? [])}");
        if (mean.Length != shape[0] || std.Length != shape[0])
            throw new ArgumentException($"preprocessing needs one mean and one std per channel ({shape[0]}), got {mean.Length} and {std.Length}");
        if (std.Any(s => !(s > 0)))
            throw new ArgumentException($"preprocessing std values must be positive, got ({string.Join(", ", std)})");
        Mean = mean; Std = std; Shape = shape;
    }

    [JsonIgnore] public int Channels => Shape[0];
    [JsonIgnore] public int Height => Shape[1];
    [JsonIgnore] public int Width => Shape[2];

    // The published statistics of each dataset, declared once here (see docs/data.md).
    public static Preprocessing FashionMnist => new([0.2860f], [0.3530f], [1, 28, 28]);
    public static Preprocessing Mnist => new([0.1307f], [0.3081f], [1, 28, 28]);
    public static Preprocessing Cifar10 => new([0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f], [3, 32, 32]);
    public static Preprocessing Cifar100 => new([0.5071f, 0.4865f, 0.4409f], [0.2673f, 0.2564f, 0.2762f], [3, 32, 32]);
    /// <summary>Measured on 50,000 images of seed 0 (ShapesTests checks the declaration against a fresh measurement).</summary>
    public static Preprocessing Shapes28 => new([ShapesStats.Mean28], [ShapesStats.Std28], [1, 28, 28]);
    public static Preprocessing Shapes32 => new(ShapesStats.Mean32, ShapesStats.Std32, [3, 32, 32]);

    /// <summary>Identity normalisation (mean 0, std 1) for data whose statistics are unknown.</summary>
    public static Preprocessing Identity(int channels, int height, int width) =>
        new(new float[channels], Enumerable.Repeat(1f, channels).ToArray(), [channels, height, width]);

    /// <summary>Returns (x - mean) / std for an NCHW batch of [0, 1] images, as a new tensor.
    /// Differentiable: attacks and fingerprint searches need gradients with respect to the pixels.</summary>
    public Tensor Apply(Tensor batch)
    {
        CheckBatch(batch);
        if (!batch.RequiresGrad || !GradMode.IsEnabled)
        {
            var output = Tensor.Empty(batch.Shape);
            Transform(batch.Span, output.Span, batch.Shape[0], normalise: true);
            return output;
        }
        int c = Channels;
        var mean = Tensor.FromArray((float[])Mean.Clone(), 1, c, 1, 1);
        var invStd = Tensor.FromArray(Std.Select(s => 1f / s).ToArray(), 1, c, 1, 1);
        return (batch - mean) * invStd;
    }

    /// <summary>Undoes <see cref="Apply"/>: maps normalised inputs back to [0, 1] pixel space
    /// (attacks clip there).</summary>
    public Tensor Invert(Tensor batch)
    {
        CheckBatch(batch);
        var output = Tensor.Empty(batch.Shape);
        Transform(batch.Span, output.Span, batch.Shape[0], normalise: false);
        return output;
    }

    void Transform(ReadOnlySpan<float> input, Span<float> output, int n, bool normalise)
    {
        int plane = Height * Width;
        for (int i = 0; i < n; i++)
            for (int c = 0; c < Channels; c++)
            {
                int offset = (i * Channels + c) * plane;
                float m = Mean[c], s = Std[c], inv = 1f / s;
                var src = input.Slice(offset, plane);
                var dst = output.Slice(offset, plane);
                if (normalise) for (int k = 0; k < plane; k++) dst[k] = (src[k] - m) * inv;
                else for (int k = 0; k < plane; k++) dst[k] = src[k] * s + m;
            }
    }

    void CheckBatch(Tensor batch)
    {
        if (batch.Rank != 4 || batch.Shape[1] != Channels || batch.Shape[2] != Height || batch.Shape[3] != Width)
            throw new ArgumentException($"expected a batch of shape [N, {Channels}, {Height}, {Width}], got {Tensor.FormatShape(batch.Shape)}");
    }

    static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static Preprocessing FromJson(string json) =>
        JsonSerializer.Deserialize<Preprocessing>(json, JsonOptions) ?? throw new JsonException("preprocessing JSON is null");

    public bool Equals(Preprocessing? other) =>
        other is not null && Mean.AsSpan().SequenceEqual(other.Mean) && Std.AsSpan().SequenceEqual(other.Std)
        && Shape.AsSpan().SequenceEqual(other.Shape) && PixelScale == other.PixelScale;

    public override int GetHashCode() => HashCode.Combine(Shape[0], Shape[1], Shape[2], Mean[0], Std[0]);

    public override string ToString() =>
        $"shape {Tensor.FormatShape(Shape)}, mean ({string.Join(", ", Mean.Select(v => v.ToString("0.####")))}), std ({string.Join(", ", Std.Select(v => v.ToString("0.####")))})";
}
