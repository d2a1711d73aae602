using System.Text.Json;

namespace Lineage.Engine.Tests;

/// <summary>Convolution and pooling against PyTorch: outputs and gradients for a fixed upstream gradient,
/// from the JSON files written by tests/fixtures/torch/make_conv_pool_fixtures.py.</summary>
public class TorchFixtureTests
{
    const float Tol = 1e-4f;

    static IEnumerable<JsonElement> Cases(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", file);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    public static IEnumerable<object[]> Names(string file) => Cases(file).Select(c => new object[] { c.GetProperty("name").GetString()! });

    static JsonElement Case(string file, string name) => Cases(file).Single(c => c.GetProperty("name").GetString() == name);

    static Tensor Load(JsonElement e)
    {
        var shape = e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var data = e.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        return Tensor.FromArray(data, shape);
    }

    static (int, int) Pair(JsonElement c, string key)
    {
        var a = c.GetProperty(key).EnumerateArray().Select(v => v.GetInt32()).ToArray();
        return (a[0], a[1]);
    }

    static void AssertClose(JsonElement expected, Tensor? actual, string what)
    {
        Assert.NotNull(actual);
        var e = Load(expected);
        Assert.Equal(e.Shape, actual!.Shape);
        for (int i = 0; i < e.Size; i++)
            Assert.True(MathF.Abs(e.Data[i] - actual.Data[i]) <= Tol * (1 + MathF.Abs(e.Data[i])),
                $"{what}[{i}]: {actual.Data[i]} vs torch {e.Data[i]}");
    }

    /// <summary>Runs op on fresh leaves, backpropagates the fixture's upstream gradient and compares everything.</summary>
    static void Verify(JsonElement c, Func<Tensor[], Tensor> op, params string[] inputs)
    {
        var leaves = inputs.Select(n => Load(c.GetProperty(n)).RequireGrad()).ToArray();
        var y = op(leaves);
        AssertClose(c.GetProperty("output"), y, "output");
        var grads = Autograd.Grad(y, leaves, Load(c.GetProperty("grad_output")));
        for (int i = 0; i < inputs.Length; i++) AssertClose(c.GetProperty("grad_" + inputs[i]), grads[i], "grad_" + inputs[i]);
    }

    [Theory]
    [InlineData("conv2d.json", 6)]
    [InlineData("conv_transpose2d.json", 4)]
    [InlineData("pool.json", 11)]
    public void FixtureHoldsItsCases(string file, int expected) => Assert.Equal(expected, Cases(file).Count());

    [Theory, MemberData(nameof(Names), "conv2d.json")]
    public void Conv2d(string name)
    {
        var c = Case("conv2d.json", name);
        bool bias = c.TryGetProperty("bias", out _);
        var (s, p, d, g) = (Pair(c, "stride"), Pair(c, "padding"), Pair(c, "dilation"), c.GetProperty("groups").GetInt32());
        Verify(c, x => Functional.Conv2d(x[0], x[1], bias ? x[2] : null, s, p, d, g), bias ? ["input", "weight", "bias"] : ["input", "weight"]);
    }

    [Theory, MemberData(nameof(Names), "conv_transpose2d.json")]
    public void ConvTranspose2d(string name)
    {
        var c = Case("conv_transpose2d.json", name);
        bool bias = c.TryGetProperty("bias", out _);
        var (s, p, op, d, g) = (Pair(c, "stride"), Pair(c, "padding"), Pair(c, "output_padding"), Pair(c, "dilation"), c.GetProperty("groups").GetInt32());
        Verify(c, x => Functional.ConvTranspose2d(x[0], x[1], bias ? x[2] : null, s, p, op, d, g), bias ? ["input", "weight", "bias"] : ["input", "weight"]);
    }

    [Theory, MemberData(nameof(Names), "pool.json")]
    public void Pool(string name)
    {
        var c = Case("pool.json", name);
        Func<Tensor[], Tensor> op = c.GetProperty("op").GetString() switch
        {
            "max" => x => Functional.MaxPool2d(x[0], Pair(c, "kernel"), Pair(c, "stride"), Pair(c, "padding")),
            "avg" => x => Functional.AvgPool2d(x[0], Pair(c, "kernel"), Pair(c, "stride"), Pair(c, "padding"), c.GetProperty("count_include_pad").GetBoolean()),
            "adaptive_avg" => x => Functional.AdaptiveAvgPool2d(x[0], Pair(c, "output_size").Item1, Pair(c, "output_size").Item2),
            "nearest" => x => Functional.UpsampleNearest2d(x[0], Pair(c, "scale")),
            var other => throw new InvalidDataException($"unknown pool op {other}"),
        };
        Verify(c, op, "input");
    }
}
