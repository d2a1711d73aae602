using Lineage.Engine;
using Lineage.Engine.IO;
using Lineage.Engine.Optim;

namespace Lineage.Engine.Tests;

public class OptimizerTests
{
    static Tensor P(params float[] v) => Tensor.FromArray(v, v.Length).RequireGrad();

    [Fact]
    public void GroupsHaveTheirOwnRatesAndNullGradsAreSkipped()
    {
        var a = P(1f, 1f); var b = P(1f); var c = P(5f);
        var opt = new Sgd([new ParamGroup([a], lr: 0.5), new ParamGroup([b, c])], lr: 0.1);
        Assert.Equal(0.5, opt.ParamGroups[0].Lr);
        Assert.Equal(0.1, opt.ParamGroups[1].Lr);
        a.Grad = Tensor.FromArray([1f, 2f], 2); b.Grad = Tensor.FromArray([1f], 1);
        opt.Step();
        Assert.Equal([0.5f, 0f], a.ToArray());
        Assert.Equal(0.9f, b.Item(), 6);
        Assert.Equal(5f, c.Item());
        Assert.Null(opt.StateOf(c));
        opt.ZeroGrad();
        Assert.Null(a.Grad); Assert.Null(b.Grad);
    }

    [Fact]
    public void RejectsDuplicatesAndBadOptions()
    {
        var a = P(1f);
        Assert.Throws<ArgumentException>(() => new Sgd([new ParamGroup([a]), new ParamGroup([a])], 0.1));
        Assert.Throws<ArgumentException>(() => new Sgd([a], 0.1, nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([a], beta1: 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([a], -1));
    }

    [Fact]
    public void StepWorksInsideNoGradAndKeepsStatePersistent()
    {
        var a = P(1f, 2f, 3f);
        var opt = new Adam([a], 0.1);
        using (GradMode.NoGrad())
        using (TensorScope.Begin())
        {
            a.Grad = Tensor.FromArray([1f, -1f, 0.5f], 3);
            opt.Step();
        }
        // the scope has ended: state must still be usable
        Assert.Equal(1, opt.StateOf(a)!.Step);
        Assert.Equal(3, opt.StateOf(a)!.Buffers["exp_avg"].Size);
        Assert.False(a.Grad!.RequiresGrad);
        Assert.Equal(0.9f, a.Data[0], 5); // first Adam step moves each element by lr·sign(g)
    }

    [Fact]
    public void ExportedStateResumesExactly()
    {
        var gen = new Generator(3);
        var a = Tensor.Randn(gen, 4, 3).ClonePersistent().RequireGrad();
        var b = a.ClonePersistent().RequireGrad();
        var grads = Enumerable.Range(0, 4).Select(_ => Tensor.Randn(gen, 4, 3).ClonePersistent()).ToArray();
        var opt = new AdamW([a], 0.01, amsgrad: true);
        var sched = new CosineAnnealingLR(opt, 10);
        for (int s = 0; s < 2; s++) { a.Grad = grads[s]; opt.Step(); sched.Step(); }

        // checkpoint through a safetensors file, as a training run would
        var path = Path.Combine(Path.GetTempPath(), $"lineage-opt-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensors.Save(path, opt.StateDict());
            var resumed = new AdamW([b], 0.01, amsgrad: true);
            // b must equal a at the checkpoint: replay a's first two steps on b's own optimiser, then discard its state
            var warm = new AdamW([b], 0.01, amsgrad: true);
            var warmSched = new CosineAnnealingLR(warm, 10);
            for (int s = 0; s < 2; s++) { b.Grad = grads[s]; warm.Step(); warmSched.Step(); }
            resumed.LoadStateDict(SafeTensors.Load(path).Tensors);
            var resumedSched = new CosineAnnealingLR(resumed, 10) { LastEpoch = sched.LastEpoch };
            Assert.Equal(2, resumed.StateOf(b)!.Step);
            for (int s = 2; s < 4; s++)
            {
                a.Grad = grads[s]; opt.Step(); sched.Step();
                b.Grad = grads[s]; resumed.Step(); resumedSched.Step();
            }
            Assert.Equal(a.ToArray(), b.ToArray());
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void LoadStateRejectsMismatches()
    {
        var a = P(1f, 2f);
        var opt = new Sgd([a], 0.1, momentum: 0.9);
        Assert.Throws<InvalidDataException>(() => opt.LoadStateDict(new Dictionary<string, Tensor> { ["state.0.momentum_buffer"] = Tensor.Zeros(3) }));
        Assert.Throws<InvalidDataException>(() => opt.LoadStateDict(new Dictionary<string, Tensor> { ["state.4.step"] = Tensor.Zeros(1) }));
        Assert.Throws<InvalidDataException>(() => opt.LoadStateDict(new Dictionary<string, Tensor> { ["param_groups.0.bogus"] = Tensor.Zeros(1) }));
    }

    [Fact]
    public void SchedulesAcrossGroupsScaleEachBaseRate()
    {
        var opt = new Sgd([new ParamGroup([P(1f)], lr: 1.0), new ParamGroup([P(1f)], lr: 0.1)], lr: 0.5);
        var s = new StepLR(opt, 2, 0.1);
        s.Step(); s.Step();
        Assert.Equal(0.1, s.CurrentLrs[0], 12);
        Assert.Equal(0.01, s.CurrentLrs[1], 12);
        Assert.Equal([1.0, 0.1], s.BaseLrs);
    }

    [Fact]
    public void OneCycleRefusesToRunPastTotalSteps()
    {
        var opt = new Sgd([P(1f)], 0.1);
        var s = new OneCycleLR(opt, 1.0, 3);
        s.Step(); s.Step(); s.Step();
        Assert.Throws<InvalidOperationException>(() => s.Step());
    }
}
