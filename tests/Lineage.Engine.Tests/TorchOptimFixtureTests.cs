using System.Text.Json;
using Lineage.Engine;
using Lineage.Engine.Optim;
using static Lineage.Engine.Tests.Fixture;

namespace Lineage.Engine.Tests;

/// <summary>Optimiser steps and schedules against PyTorch (Fixtures/optim.json, Fixtures/schedules.json):
/// three steps on a small MLP's parameters with recorded gradients.</summary>
public class TorchOptimFixtureTests
{
    static readonly JsonElement Optim = Load("optim.json");
    static readonly JsonElement Schedules = Load("schedules.json");

    static void CheckSteps(string name, Func<IEnumerable<Tensor>, Optimizer> make)
    {
        var c = Optim.GetProperty(name);
        var ps = c.GetProperty("initial").EnumerateArray().Select(e => Tensor(e).RequireGrad()).ToArray();
        var opt = make(ps);
        var grads = c.GetProperty("grads").EnumerateArray().ToArray();
        var after = c.GetProperty("after").EnumerateArray().ToArray();
        Assert.True(grads.Length == 3 && after.Length == 3, $"{name}: the fixture holds {grads.Length} steps of gradients and {after.Length} of results, expected 3");
        for (int s = 0; s < grads.Length; s++)
        {
            var g = grads[s].EnumerateArray().ToArray();
            for (int i = 0; i < ps.Length; i++) ps[i].Grad = Tensor(g[i]);
            opt.Step();
            var a = after[s].EnumerateArray().ToArray();
            for (int i = 0; i < ps.Length; i++) AssertClose(a[i], ps[i], $"{name} step {s + 1} param {i}", atol: 1e-6, rtol: 1e-5);
        }
    }

    [Fact] public void SgdMomentumDampeningWeightDecay() => CheckSteps("sgd_momentum", p => new Sgd(p, 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01));
    [Fact] public void SgdNesterov() => CheckSteps("sgd_nesterov", p => new Sgd(p, 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.02));
    [Fact] public void Adam() => CheckSteps("adam", p => new Adam(p, 0.01, beta2: 0.99, weightDecay: 0.01));
    [Fact] public void AdamAmsgrad() => CheckSteps("adam_amsgrad", p => new Adam(p, 0.01, amsgrad: true));
    [Fact] public void AdamW() => CheckSteps("adamw", p => new AdamW(p, 0.01, weightDecay: 0.1));
    [Fact] public void RmsProp() => CheckSteps("rmsprop", p => new RmsProp(p, 0.01, alpha: 0.9, weightDecay: 0.01));
    [Fact] public void RmsPropCenteredMomentum() => CheckSteps("rmsprop_centered_momentum", p => new RmsProp(p, 0.01, momentum: 0.9, centered: true));

    static void CheckSchedule(string name, Optimizer opt, LrScheduler sched)
    {
        var c = Schedules.GetProperty(name);
        var lrs = c.GetProperty("lrs").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var moms = c.GetProperty("momentum").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.True(lrs.Length == 20 && moms.Length == 20, $"{name}: the fixture holds {lrs.Length} learning rates and {moms.Length} momenta, expected 20");
        for (int i = 0; i < lrs.Length; i++)
        {
            AssertClose(lrs[i], sched.CurrentLrs[0], $"{name} lr at step {i}", atol: 1e-9, rtol: 1e-9);
            var g = opt.ParamGroups[0];
            AssertClose(moms[i], g.Beta1 ?? g.Momentum!.Value, $"{name} momentum at step {i}", atol: 1e-9, rtol: 1e-9);
            sched.Step();
        }
    }

    static Tensor[] OneParam() => [Tensor.Persistent(1).RequireGrad()];

    [Fact] public void StepLRMatchesTorch() { var o = new Sgd(OneParam(), 0.1, momentum: 0.9); CheckSchedule("step_lr", o, new StepLR(o, 6, 0.5)); }
    [Fact] public void CosineAnnealingMatchesTorch() { var o = new Sgd(OneParam(), 0.1, momentum: 0.9); CheckSchedule("cosine", o, new CosineAnnealingLR(o, 8, 0.001)); }
    [Fact] public void OneCycleCosineSgdMatchesTorch() { var o = new Sgd(OneParam(), 0.1, momentum: 0.9); CheckSchedule("one_cycle_cos_sgd", o, new OneCycleLR(o, 0.5, 20)); }
    [Fact]
    public void OneCycleLinearAdamMatchesTorch()
    {
        var o = new Adam(OneParam(), 0.1);
        CheckSchedule("one_cycle_linear_adam", o, new OneCycleLR(o, 0.2, 25, pctStart: 0.4, annealCos: false, divFactor: 10, finalDivFactor: 100));
    }
}
