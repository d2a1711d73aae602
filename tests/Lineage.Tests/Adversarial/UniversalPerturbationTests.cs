using Lineage.Adversarial;
using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Tests.Adversarial;

public class UniversalPerturbationTests
{
    /// <summary>A fixed random 3-class linear classifier on 4×4 images and images it labels with small margins.</summary>
    static (Func<Tensor, Tensor> Model, Tensor Images) Task()
    {
        var layer = new Linear(16, 3, new Generator(7));
        layer.Eval();
        Func<Tensor, Tensor> model = x => layer.Forward(x.Flatten());
        var images = Tensor.Uniform(new Generator(8), 0.35f, 0.65f, 64, 1, 4, 4);
        return (model, images);
    }

    [Theory]
    [InlineData(PerturbationNorm.LInf, 0.3f, 1)]
    [InlineData(PerturbationNorm.LInf, 0.3f, 16)]
    [InlineData(PerturbationNorm.L2, 1.0f, 16)]
    public void ReachesTheTargetFoolingRateInsideItsBall(PerturbationNorm norm, float xi, int batch)
    {
        var (model, images) = Task();
        var o = new UniversalPerturbationOptions { Norm = norm, Xi = xi, Delta = 0.2, MaxPasses = 10, BatchSize = batch, Seed = 1 };
        var passes = new List<UniversalPerturbationProgress>();
        var result = UniversalPerturbation.Compute(model, images, o, new Inline<UniversalPerturbationProgress>(passes.Add));
        Assert.True(result.ReachedTarget, result.Describe());
        Assert.True(result.FoolingRate >= 0.8, result.Describe());
        Assert.Equal(result.FoolingRate, UniversalPerturbation.FoolingRate(model, images, result.Perturbation), 9);
        Assert.Equal(result.Passes, passes.Count);
        Assert.Equal(result.FoolingRatePerPass, passes.Select(p => p.FoolingRate));
        Assert.Equal(result.FoolingRatePerPass.Max(), result.FoolingRate);
        Assert.Equal([1, 4, 4], result.Perturbation.Shape);
        var v = result.Perturbation.ToArray();
        if (norm == PerturbationNorm.LInf) Assert.All(v, x => Assert.InRange(x, -xi, xi));
        else Assert.True(Math.Sqrt(v.Sum(x => (double)x * x)) <= xi * (1 + 1e-5), "L2 norm above ξ");
    }

    [Fact]
    public void StopsAtItsPassCapAndSaysSo()
    {
        var (model, images) = Task();
        var o = new UniversalPerturbationOptions { Xi = 0.001f, Delta = 0.01, MaxPasses = 2, Seed = 1 };
        var result = UniversalPerturbation.Compute(model, images, o);
        Assert.False(result.ReachedTarget);
        Assert.Equal(2, result.Passes);
        Assert.Contains("cap", result.Describe());
    }

    [Fact]
    public void IsSeeded()
    {
        var (model, images) = Task();
        var o = new UniversalPerturbationOptions { Xi = 0.3f, Seed = 4 };
        Assert.Equal(UniversalPerturbation.Compute(model, images, o).Perturbation.ToArray(), UniversalPerturbation.Compute(model, images, o).Perturbation.ToArray());
    }

    [Fact]
    public void ProjectsOntoEitherBall()
    {
        float[] v = [3f, -4f, 0.5f];
        UniversalPerturbation.Project(v, PerturbationNorm.LInf, 1f);
        Assert.Equal([1f, -1f, 0.5f], v);
        float[] u = [3f, -4f];
        UniversalPerturbation.Project(u, PerturbationNorm.L2, 1f);
        Assert.Equal(0.6f, u[0], 6); Assert.Equal(-0.8f, u[1], 6);
    }

    [Theory]
    [InlineData(0f, 0.2)]
    [InlineData(-1f, 0.2)]
    [InlineData(0.1f, 0.0)]
    [InlineData(0.1f, 1.0)]
    public void RejectsXiOrDeltaOutOfRange(float xi, double delta)
    {
        var (model, images) = Task();
        Assert.Throws<ArgumentException>(() => UniversalPerturbation.Compute(model, images, new UniversalPerturbationOptions { Xi = xi, Delta = delta }));
    }

    sealed class Inline<T>(Action<T> report) : IProgress<T> { public void Report(T value) => report(value); }
}
