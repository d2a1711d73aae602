using Lineage.Engine;

namespace Lineage.Engine.Tests;

/// <summary>Finite-difference checks of the normalisation, softmax, dropout and loss ops.</summary>
public class NormLossGradientTests
{
    static Tensor R(int seed, params int[] shape) => Tensor.Uniform(new Generator(seed), -1f, 1f, shape);
    static Tensor Probs(int seed, params int[] shape)
    {
        using var _ = GradMode.NoGrad();
        return Functional.Softmax(R(seed, shape).Mul(2f), 1).ClonePersistent();
    }

    [Fact] public void Softmax() => GradCheck.Check(x => Functional.Softmax(x[0]), [R(1, 3, 5)]);
    [Fact] public void SoftmaxMiddleAxis() => GradCheck.Check(x => Functional.Softmax(x[0], 1), [R(2, 2, 4, 3)]);
    [Fact] public void LogSoftmax() => GradCheck.Check(x => Functional.LogSoftmax(x[0]), [R(3, 3, 5)]);
    [Fact] public void LogSoftmaxMiddleAxis() => GradCheck.Check(x => Functional.LogSoftmax(x[0], 1), [R(4, 2, 4, 3)]);

    [Fact] public void BatchNormTraining2D() =>
        GradCheck.Check(x => Functional.BatchNorm(x[0], null, null, x[1], x[2], training: true), [R(5, 4, 3), R(6, 3), R(7, 3)]);
    [Fact] public void BatchNormTraining4D() =>
        GradCheck.Check(x => Functional.BatchNorm(x[0], null, null, x[1], x[2], training: true), [R(8, 2, 3, 2, 3), R(9, 3), R(10, 3)]);
    [Fact] public void BatchNormTraining3DNoAffine() =>
        GradCheck.Check(x => Functional.BatchNorm(x[0], null, null, null, null, training: true), [R(11, 3, 2, 4)]);
    [Fact] public void BatchNormEval()
    {
        var rm = R(12, 3); var rv = Tensor.Uniform(new Generator(13), 0.5f, 2f, 3);
        GradCheck.Check(x => Functional.BatchNorm(x[0], rm, rv, x[1], x[2], training: false), [R(14, 2, 3, 2, 2), R(15, 3), R(16, 3)]);
    }

    [Fact] public void LayerNorm() =>
        GradCheck.Check(x => Functional.LayerNorm(x[0], [2, 3], x[1], x[2]), [R(17, 4, 2, 3), R(18, 2, 3), R(19, 2, 3)]);
    [Fact] public void LayerNormNoAffine() =>
        GradCheck.Check(x => Functional.LayerNorm(x[0], [5]), [R(20, 3, 5)]);

    [Fact] public void Dropout() =>
        GradCheck.Check(x => Functional.Dropout(x[0], 0.4f, true, new Generator(21)), [R(22, 4, 5)]);

    [Fact] public void CrossEntropyLabels() =>
        GradCheck.Check(x => Functional.CrossEntropy(x[0], [2, 0, 4]), [R(23, 3, 5)]);
    [Fact] public void CrossEntropyLabelSmoothingSum() =>
        GradCheck.Check(x => Functional.CrossEntropy(x[0], [1, 3, 3], 0.2f, Reduction.Sum), [R(24, 3, 5)]);
    [Fact] public void CrossEntropySpatialNoneIgnore() =>
        GradCheck.Check(x => Functional.CrossEntropy(x[0], [0, 2, -100, 1, 1, 2], 0.1f, Reduction.None), [R(25, 2, 3, 3)]);
    [Fact] public void CrossEntropyProbabilities() =>
        GradCheck.Check(x => Functional.CrossEntropy(x[0], x[1], 0.1f), [R(26, 3, 4), Probs(27, 3, 4)]);
    [Fact] public void NllLoss() =>
        GradCheck.Check(x => Functional.NllLoss(Functional.LogSoftmax(x[0]), [1, 0, 2]), [R(28, 3, 4)]);

    [Fact] public void KlDivBatchMean() =>
        GradCheck.Check(x => Functional.KlDiv(Functional.LogSoftmax(x[0], 1), x[1]), [R(29, 3, 4), Probs(30, 3, 4)], eps: 1e-3);
    [Fact] public void KlDivLogTargetSum() =>
        GradCheck.Check(x => Functional.KlDiv(x[0], x[1], Reduction.Sum, logTarget: true), [R(31, 3, 4), R(32, 3, 4)]);
    [Fact] public void MseLoss() => GradCheck.Check(x => Functional.MseLoss(x[0], x[1]), [R(33, 3, 4), R(34, 3, 4)]);
    [Fact] public void L1LossNone()
    {
        var a = R(35, 3, 4); var b = R(36, 3, 4);
        // keep |a − b| away from the kink at 0 so finite differences are exact
        for (int i = 0; i < a.Size; i++) if (MathF.Abs(a.Data[i] - b.Data[i]) < 0.05f) a.Data[i] = b.Data[i] + 0.1f;
        GradCheck.Check(x => Functional.L1Loss(x[0], x[1], Reduction.None), [a, b]);
    }
    [Fact] public void HingeLoss()
    {
        var scores = Tensor.FromArray([0.3f, -1.7f, 0.8f, 2.4f, -0.2f, 1.5f], 6);
        var signs = Tensor.FromArray([1f, -1f, -1f, 1f, 1f, -1f], 6);
        GradCheck.Check(x => Functional.HingeLoss(x[0], signs), [scores]);
    }
    [Fact] public void MultiMarginLoss()
    {
        // margins kept ≥ 0.05 away from the hinge
        var logits = Tensor.FromArray([0.2f, 0.9f, -0.4f, 1.3f, 0.1f, 0.5f, -1.0f, 1.2f, 0.7f, 0.0f, 0.4f, -0.5f], 3, 4);
        GradCheck.Check(x => Functional.MultiMarginLoss(x[0], [1, 3, 0]), [logits]);
    }
}
