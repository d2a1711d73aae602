using System.Text.Json;
using Lineage.Engine;

namespace Lineage.Engine.Tests;

/// <summary>Reads the PyTorch golden files in Fixtures/ (made by tests/fixtures/torch/make_norm_loss_optim_fixtures.py).</summary>
public static class Fixture
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static JsonElement Load(string name) => JsonDocument.Parse(File.ReadAllText(PathOf(name))).RootElement;

    /// <summary>A {"shape", "data"} object as a Persistent tensor.</summary>
    public static Tensor Tensor(JsonElement e)
    {
        var shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        var data = e.GetProperty("data").EnumerateArray().Select(d => (float)d.GetDouble()).ToArray();
        var t = Lineage.Engine.Tensor.Persistent(shape);
        data.CopyTo(t.Span);
        return t;
    }

    public static Tensor Tensor(JsonElement parent, string name) => Tensor(parent.GetProperty(name));

    public static int[] Ints(JsonElement parent, string name) => parent.GetProperty(name).EnumerateArray().Select(d => d.GetInt32()).ToArray();

    public static void AssertClose(JsonElement expected, Tensor actual, string what, double atol = 1e-5, double rtol = 1e-4)
        => AssertClose(Tensor(expected), actual, what, atol, rtol);

    public static void AssertClose(Tensor expected, Tensor actual, string what, double atol = 1e-5, double rtol = 1e-4)
    {
        Assert.True(expected.SameShape(actual), $"{what}: shape {Lineage.Engine.Tensor.FormatShape(actual.Shape)}, expected {Lineage.Engine.Tensor.FormatShape(expected.Shape)}");
        for (int i = 0; i < expected.Size; i++)
        {
            double e = expected.Data[i], a = actual.Data[i];
            Assert.True(Math.Abs(e - a) <= atol + rtol * Math.Abs(e), $"{what}[{i}]: {a:G9}, expected {e:G9}");
        }
    }

    public static void AssertClose(double expected, double actual, string what, double atol = 1e-5, double rtol = 1e-4)
        => Assert.True(Math.Abs(expected - actual) <= atol + rtol * Math.Abs(expected), $"{what}: {actual:G9}, expected {expected:G9}");
}
