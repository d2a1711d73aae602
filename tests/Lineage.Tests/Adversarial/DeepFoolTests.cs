using Lineage.Adversarial;
using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Tests.Adversarial;

public class DeepFoolTests
{
    /// <summary>f(x) = W x + b on flattened 2×2 inputs, two classes.</summary>
    static Func<Tensor, Tensor> Linear2(float[] w, float[] b)
    {
        var weight = Tensor.FromArray(w, 2, 4);
        var bias = Tensor.FromArray(b, 2);
        return x => Functional.Linear(x.Flatten(), weight, bias);
    }

    [Fact]
    public void ReachesTheBoundaryOfALinearClassifierInOneStep()
    {
        float[] w = [1f, -2f, 0.5f, 3f, -1f, 1f, 2f, -0.5f];
        float[] b = [0.3f, -0.1f];
        var model = Linear2(w, b);
        var x = Tensor.FromArray([0.2f, 0.7f, 0.4f, 0.9f, 0.6f, 0.1f, 0.3f, 0.5f], 2, 1, 2, 2);
        var o = new DeepFoolOptions { Overshoot = 0f, ClipMin = -100f, ClipMax = 100f };
        var result = DeepFool.Run(model, x, o);
        for (int s = 0; s < 2; s++)
        {
            // Closed form for two classes: with l the label, k the other, w' = w_k − w_l and f' = f_k − f_l,
            // r = |f'| w' / ‖w'‖² (plus the reference code's 1e-4 along w'/‖w'‖ that crosses the boundary).
            var xs = x.ToArray().AsSpan(s * 4, 4);
            double f0 = b[0], f1 = b[1];
            for (int i = 0; i < 4; i++) { f0 += w[i] * xs[i]; f1 += w[4 + i] * xs[i]; }
            int label = f0 >= f1 ? 0 : 1, other = 1 - label;
            var wd = Enumerable.Range(0, 4).Select(i => (double)w[other * 4 + i] - w[label * 4 + i]).ToArray();
            double norm2 = wd.Sum(v => v * v), fd = Math.Abs(label == 0 ? f1 - f0 : f0 - f1);
            Assert.Equal(label, result.Labels[s]);
            Assert.Equal(1, result.Iterations[s]);
            Assert.True(result.Fooled(s));
            var r = result.Perturbation.ToArray().AsSpan(s * 4, 4);
            for (int i = 0; i < 4; i++)
                Assert.Equal(fd * wd[i] / norm2 + 1e-4 * wd[i] / Math.Sqrt(norm2), r[i], 4);
            // On the boundary up to the 1e-4 step: f_k − f_l after r is 1e-4·‖w'‖.
            double after = 0;
            for (int i = 0; i < 4; i++) after += wd[i] * (xs[i] + r[i]);
            after += b[other] - b[label];
            Assert.InRange(after, 0, 1e-3);
        }
    }

    [Fact]
    public void FoolsAMulticlassNetworkWithinTheValidRange()
    {
        var net = new Sequential(new Flatten(), new Linear(16, 12, new Generator(1)), new Tanh(), new Linear(12, 5, new Generator(2)));
        net.Eval();
        var x = Tensor.Uniform(new Generator(3), 0.3f, 0.7f, 12, 1, 4, 4);
        var result = DeepFool.Run(net.Forward, x, new DeepFoolOptions { Candidates = 3 });
        using var _ = GradMode.NoGrad();
        var clean = net.Forward(x).ArgMax(1);
        var adv = net.Forward(result.Adversarial).ArgMax(1);
        Assert.Equal(clean, result.Labels);
        Assert.Equal(adv, result.AdversarialLabels);
        Assert.True(Enumerable.Range(0, 12).Count(result.Fooled) >= 11, "DeepFool should fool nearly every sample of a small smooth network");
        Assert.All(result.Adversarial.ToArray(), v => Assert.InRange(v, 0f, 1f));
        Assert.All(result.Iterations, i => Assert.InRange(i, 1, 50));
        var a = result.Adversarial.ToArray(); var xs = x.ToArray(); var r = result.Perturbation.ToArray();
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i] - xs[i], r[i], 6);
    }

    [Fact]
    public void StopsAtTheIterationCap()
    {
        var net = new Sequential(new Flatten(), new Linear(16, 12, new Generator(1)), new Tanh(), new Linear(12, 5, new Generator(2)));
        net.Eval();
        var x = Tensor.Uniform(new Generator(3), 0.3f, 0.7f, 6, 1, 4, 4);
        var result = DeepFool.Run(net.Forward, x, new DeepFoolOptions { MaxIterations = 1, Overshoot = 0f });
        Assert.All(result.Iterations, i => Assert.Equal(1, i));
    }

    [Theory]
    [InlineData(1, 0.02f, 50)]
    [InlineData(10, -0.1f, 50)]
    [InlineData(10, 0.02f, 0)]
    public void RejectsBadSettings(int candidates, float overshoot, int iterations)
    {
        var o = new DeepFoolOptions { Candidates = candidates, Overshoot = overshoot, MaxIterations = iterations };
        Assert.Throws<ArgumentException>(() => DeepFool.Run(x => x.Flatten(), Tensor.Zeros(1, 1, 2, 2), o));
    }
}
