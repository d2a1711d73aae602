using Lineage.Engine;
using Lineage.Engine.Nn;
using Lineage.Models.Architectures;

namespace Lineage.Tests.Models;

public class ArchitectureTests
{
    public static TheoryData<string, int, int> Cases()
    {
        var d = new TheoryData<string, int, int>();
        // an ensemble needs member specs; EnsembleSavesAndLoadsAsOneModel (Attacks) builds and round-trips one
        foreach (var name in ArchitectureCatalog.Names.Where(n => n != EnsembleClassifier.ArchitectureName)) { d.Add(name, 1, 28); d.Add(name, 3, 32); }
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BuildsRunsAndBackpropagates(string name, int channels, int size)
    {
        var spec = new ArchitectureSpec { Name = name, InChannels = channels, ImageSize = size, Classes = 7, Width = 0.25f };
        var model = ArchitectureCatalog.Create(spec, new Generator(1));
        var x = Tensor.Uniform(new Generator(2), 0f, 1f, 2, channels, size, size);
        var y = model.Forward(x);
        Assert.Equal([2, 7], y.Shape);
        Functional.CrossEntropy(y, [0, 6]).Backward();
        Assert.All(model.Parameters(), p => Assert.NotNull(p.Grad));
        Assert.IsType<Linear>(model.GetModule(model.HeadPath));
        if (model.LastConvPath != null) Assert.IsType<Conv2d>(model.GetModule(model.LastConvPath));
    }

    [Fact]
    public void ReplacingTheHeadChangesTheClassCount()
    {
        var model = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "resnet20", InChannels = 3, ImageSize = 32, Classes = 10, Width = 0.25f }, new Generator(1));
        model.ReplaceHead(4, new Generator(2));
        model.Eval();
        Assert.Equal([1, 4], model.Forward(Tensor.Zeros(1, 3, 32, 32)).Shape);
        Assert.Equal(4, model.Spec.Classes);
    }

    /// <summary>In evaluation mode a downsampling block folds its batch norms and computes its projection shortcut in
    /// conv1's pass (<see cref="Conv2d.ForwardBatchNormWithProjection"/>); the result is the layers run one by one.</summary>
    [Fact]
    public void DownsamplingBlockInEvaluationEqualsItsLayersInTurn()
    {
        var block = new BasicBlock(16, 32, stride: 2, new Generator(3));
        var gen = new Generator(4);
        foreach (var (name, t) in block.StateDict())
            if (name.EndsWith("running_mean", StringComparison.Ordinal) || name.EndsWith(".bias", StringComparison.Ordinal)) Tensor.Uniform(gen, -0.5f, 0.5f, t.Shape).Data.AsSpan(0, t.Size).CopyTo(t.Data);
            else if (name.EndsWith("running_var", StringComparison.Ordinal) || name.EndsWith("bn1.weight", StringComparison.Ordinal)) Tensor.Uniform(gen, 0.5f, 2f, t.Shape).Data.AsSpan(0, t.Size).CopyTo(t.Data);
        block.Eval();
        var x = Tensor.Uniform(new Generator(5), -1f, 1f, 2, 16, 12, 12);
        Tensor fused, apart;
        using (GradMode.NoGrad())
        {
            fused = block.Forward(x);
            var m = block.NamedModules().ToDictionary(e => e.Name, e => e.Module);
            var y = m["bn1"].Forward(m["conv1"].Forward(x)).Relu();
            var shortcut = m["downsample.1"].Forward(m["downsample.0"].Forward(x));
            apart = (m["bn2"].Forward(m["conv2"].Forward(y)) + shortcut).Relu();
        }
        Assert.Equal([2, 32, 6, 6], fused.Shape);
        var f = fused.ToArray(); var a = apart.ToArray();
        for (int i = 0; i < a.Length; i++) Assert.True(MathF.Abs(f[i] - a[i]) < 1e-4f * (1 + MathF.Abs(a[i])), $"[{i}] {f[i]} vs {a[i]}");
        Assert.Contains(f, v => v > 0f);
    }

    [Fact]
    public void StateDictNamesFollowTorchvision()
    {
        var resnet = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "resnet18", InChannels = 3, ImageSize = 32, Classes = 10, Width = 0.125f }, new Generator(1));
        var names = resnet.StateDict().Keys.ToList();
        Assert.Contains("conv1.weight", names);
        Assert.Contains("bn1.running_mean", names);
        Assert.Contains("layer2.0.downsample.0.weight", names);
        Assert.Contains("layer4.1.bn2.num_batches_tracked", names);
        Assert.Contains("fc.bias", names);
        var vgg = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "vgg11", InChannels = 3, ImageSize = 32, Classes = 10, Width = 0.125f }, new Generator(1));
        Assert.Contains("features.0.weight", vgg.StateDict().Keys);
        Assert.Contains("features.1.running_var", vgg.StateDict().Keys);
        var dense = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "densenet", InChannels = 3, ImageSize = 32, Classes = 10, Width = 0.5f }, new Generator(1));
        Assert.Contains("features.denseblock1.denselayer1.norm1.weight", dense.StateDict().Keys);
        Assert.Contains("features.transition1.conv.weight", dense.StateDict().Keys);
    }

    [Fact]
    public void UnknownArchitectureListsTheChoices()
    {
        var ex = Assert.Throws<ArgumentException>(() => ArchitectureCatalog.Create(new ArchitectureSpec { Name = "resnet9000", InChannels = 1, ImageSize = 28, Classes = 10 }, new Generator(1)));
        Assert.Contains("resnet20", ex.Message);
    }

    [Fact]
    public void WidthMultiplierScalesParameters()
    {
        long Count(float w) => ArchitectureCatalog.Create(new ArchitectureSpec { Name = "vgg11", InChannels = 3, ImageSize = 32, Classes = 10, Width = w }, new Generator(1)).ParameterCount();
        Assert.True(Count(0.5f) < Count(1f) / 3);
    }
}
