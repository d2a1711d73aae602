using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Engine.Tests;

public class ModuleTests
{
    static Sequential Mlp(int seed) => new(new Linear(4, 8, new Generator(seed)), new ReLU(), new Linear(8, 3, new Generator(seed + 1)));

    [Fact]
    public void StateDictUsesPyTorchDottedNames()
    {
        var m = Mlp(1);
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], m.StateDict().Keys);
        Assert.Equal([8, 4], m.StateDict()["0.weight"].Shape);
        Assert.Equal(4 * 8 + 8 + 8 * 3 + 3, m.ParameterCount());
    }

    [Fact]
    public void SameSeedSameInitialWeights()
    {
        Assert.Equal(Mlp(3).StateDict()["0.weight"].ToArray(), Mlp(3).StateDict()["0.weight"].ToArray());
        Assert.NotEqual(Mlp(3).StateDict()["0.weight"].ToArray(), Mlp(4).StateDict()["0.weight"].ToArray());
    }

    [Fact]
    public void DefaultInitIsPyTorchsUniformBound()
    {
        var l = new Linear(100, 50, new Generator(2));
        float bound = 1f / MathF.Sqrt(100);
        Assert.All(l.Weight.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.True(l.Weight.Max().Item() > 0.9f * bound);
        Assert.All(l.Bias!.ToArray(), v => Assert.InRange(v, -bound, bound));
    }

    [Fact]
    public void CloneIsDeepAndIndependent()
    {
        var m = Mlp(5);
        var c = m.DeepCopy();
        var x = Tensor.Uniform(new Generator(0), -1f, 1f, 2, 4);
        Assert.Equal(m.Forward(x).ToArray(), c.Forward(x).ToArray());
        c.StateDict()["0.weight"].Data[0] += 1f;
        Assert.NotEqual(m.StateDict()["0.weight"].Data[0], c.StateDict()["0.weight"].Data[0]);
        Assert.True(c.Parameters().All(p => p.RequiresGrad));
    }

    [Fact]
    public void LoadStateDictChecksNamesAndShapes()
    {
        var a = Mlp(1); var b = Mlp(7);
        b.LoadStateDict(a.StateDict());
        Assert.Equal(a.StateDict()["2.bias"].ToArray(), b.StateDict()["2.bias"].ToArray());
        var bad = a.StateDict();
        bad["0.weight"] = Tensor.Zeros(3, 3);
        var ex = Assert.Throws<InvalidDataException>(() => b.LoadStateDict(bad));
        Assert.Contains("0.weight", ex.Message);
        var missing = a.StateDict(); missing.Remove("2.bias");
        Assert.Contains("missing '2.bias'", Assert.Throws<InvalidDataException>(() => b.LoadStateDict(missing)).Message);
    }

    [Fact]
    public void ReplaceHeadAndFreezeBody()
    {
        var m = Mlp(1);
        m.ReplaceModule("2", new Linear(8, 5, new Generator(9)));
        Assert.Equal([1, 5], m.Forward(Tensor.Zeros(1, 4)).Shape);
        m.GetModule("0").SetRequiresGrad(false);
        var loss = m.Forward(Tensor.Ones(2, 4)).Square().Sum();
        loss.Backward();
        Assert.Null(((Linear)m.GetModule("0")).Weight.Grad);
        Assert.NotNull(((Linear)m.GetModule("2")).Weight.Grad);
    }

    [Fact]
    public void TrainEvalPropagates()
    {
        var m = Mlp(1);
        m.Eval();
        Assert.All(m.NamedModules(), x => Assert.False(x.Module.Training));
        m.Train();
        Assert.All(m.NamedModules(), x => Assert.True(x.Module.Training));
    }
}
