using Lineage.Adversarial;
using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Tests.Adversarial;

public class GradientAttackTests
{
    static (Func<Tensor, Tensor> model, Tensor x, int[] labels) Setup()
    {
        var net = new Sequential(new Flatten(), new Linear(16, 12, new Generator(1)), new Tanh(), new Linear(12, 3, new Generator(2)));
        net.Eval();
        var x = Tensor.Uniform(new Generator(3), 0.2f, 0.8f, 8, 1, 4, 4);
        using var _ = GradMode.NoGrad();
        var labels = net.Forward(x).ArgMax(1);
        return (net.Forward, x, labels);
    }

    static float Loss(Func<Tensor, Tensor> model, Tensor x, int[] labels)
    {
        using var _ = GradMode.NoGrad();
        return Functional.CrossEntropy(model(x), labels).Item();
    }

    [Theory]
    [InlineData(PerturbationNorm.LInf, 1)]
    [InlineData(PerturbationNorm.LInf, 10)]
    [InlineData(PerturbationNorm.L2, 10)]
    public void RaisesTheLossAndRespectsTheBound(PerturbationNorm norm, int steps)
    {
        var (model, x, labels) = Setup();
        float eps = norm == PerturbationNorm.LInf ? 0.1f : 0.5f;
        var options = steps == 1 ? GradientAttackOptions.Fgsm(eps, norm) : GradientAttackOptions.Pgd(eps, eps / 4, steps, norm);
        var adv = GradientAttack.Run(model, x, labels, options, new Generator(4));
        Assert.True(Loss(model, adv, labels) > Loss(model, x, labels) + 1e-3f);
        int per = x.Size / 8;
        for (int s = 0; s < 8; s++)
        {
            double l2 = 0, linf = 0;
            for (int i = 0; i < per; i++)
            {
                double d = adv.Data[s * per + i] - x.Data[s * per + i];
                l2 += d * d; linf = Math.Max(linf, Math.Abs(d));
                Assert.InRange(adv.Data[s * per + i], 0f, 1f);
            }
            if (norm == PerturbationNorm.LInf) Assert.True(linf <= eps + 1e-6, $"L∞ {linf} > {eps}");
            else Assert.True(Math.Sqrt(l2) <= eps + 1e-5, $"L2 {Math.Sqrt(l2)} > {eps}");
        }
    }

    [Fact]
    public void ClipsToTheValidRangeAndIsSeeded()
    {
        var (model, x, labels) = Setup();
        var o = GradientAttackOptions.Pgd(0.5f, 0.2f, 3) with { ClipMin = 0.1f, ClipMax = 0.9f };
        var a = GradientAttack.Run(model, x, labels, o, new Generator(5));
        var b = GradientAttack.Run(model, x, labels, o, new Generator(5));
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.All(a.ToArray(), v => Assert.InRange(v, 0.1f, 0.9f));
    }

    [Fact]
    public void TargetedMovesTowardsTheTarget()
    {
        var (model, x, labels) = Setup();
        var targets = labels.Select(l => (l + 1) % 3).ToArray();
        var adv = GradientAttack.Run(model, x, targets, GradientAttackOptions.Pgd(0.3f, 0.05f, 20) with { Targeted = true }, new Generator(6));
        Assert.True(Loss(model, adv, targets) < Loss(model, x, targets));
    }
}
