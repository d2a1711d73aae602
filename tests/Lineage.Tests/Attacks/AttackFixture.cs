using Lineage.Attacks;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Models;
using Lineage.Models.Training;

namespace Lineage.Tests.Attacks;

/// <summary>One small source model on shapes (defender half), shared by every attack test; the thief gets the
/// attacker half. Small enough that the whole attack suite stays within a minute or two on two cores.</summary>
public sealed class AttackFixture
{
    public DatasetPair Data { get; } = DatasetCatalog.Load("shapes", new DatasetLoadOptions { TrainCount = 2400, TestCount = 400, Seed = 3 });
    public ModelFile Source { get; }
    public string SourceHash { get; }
    public Dataset Thief { get; }

    public AttackFixture()
    {
        var options = new TrainingOptions { Epochs = 8, BatchSize = 64, LearningRate = 0.05, Seed = 11 };
        Source = TrainingJob.Run(Data, DataPart.Defender, splitSeed: 1, "cnn-c", 0.5f, options).Model;
        SourceHash = Source.Hash;
        Thief = TrainingJob.SelectPart(Data.Train, DataPart.Attacker, 1);
    }

    public AttackContext Context(int seed = 5, Dataset? transfer = null, Dataset? transferTest = null) =>
        new() { ThiefData = Thief, Test = Data.Test, Seed = seed, TransferSet = transfer, TransferTest = transferTest };

    /// <summary>Accuracy on [0,1] test images after an L∞ PGD attack on each model itself (white-box robustness).</summary>
    public double AccuracyUnderPgd(ModelFile model, int count, float epsilon, float step, int steps)
    {
        var test = Data.Test.Subset(Enumerable.Range(0, count).ToArray());
        int correct = 0;
        model.Model.Eval();
        for (int start = 0; start < count; start += 100)
        {
            using var scope = TensorScope.Begin();
            var idx = Enumerable.Range(start, Math.Min(100, count - start)).ToArray();
            var labels = idx.Select(i => test.Labels[i]).ToArray();
            var adv = Lineage.Adversarial.GradientAttack.Run(model.Logits, test.Gather(idx), labels,
                Lineage.Adversarial.GradientAttackOptions.Pgd(epsilon, step, steps), new Generator(99));
            using (GradMode.NoGrad())
            {
                var pred = model.Logits(adv).ArgMax(1);
                for (int i = 0; i < pred.Length; i++) if (pred[i] == labels[i]) correct++;
            }
        }
        return (double)correct / count;
    }
}

[CollectionDefinition("attacks")]
public sealed class AttackCollection : ICollectionFixture<AttackFixture>;
