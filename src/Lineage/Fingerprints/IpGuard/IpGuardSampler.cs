using Lineage.Data;
using Lineage.Engine;
using Lineage.Engine.Optim;
using Lineage.Statistics;
using Lineage.Suspects;

namespace Lineage.Fingerprints.IpGuard;

/// <summary>
/// IPGuard (Cao et al. 2021): from owner images x with source label i, find points just past the source's
/// decision boundary towards a target class j by minimising
///   ReLU(z_i − z_j + k) + ReLU(max_{t≠i,j} z_t − z_i)
/// over the input with Adam, stopping each point when its loss reaches zero (so z_j leads z_i by k and i
/// stays ahead of every other class). The points, labelled by the source, are the fingerprint; a suspect's score is
/// its label matching rate on them.
/// </summary>
public sealed class IpGuardSampler : IQuerySampler
{
    public static readonly IFingerprintMethod Method = new ComposedMethod<int[]>(new MethodInfo
    {
        Name = "ipguard",
        Paper = "IPGuard: Cao, Jia and Gong, \"IPGuard: Protecting Intellectual Property of Deep Neural Networks via Fingerprinting the Classification Boundary\", AsiaCCS 2021 (a baseline in all four papers)",
        Description = "points just past the source's decision boundary; score = label matching rate",
        Parameters =
        [
            MethodParameter.Int("points", 100, "boundary points", 1),
            MethodParameter.Choice("target", "random", "target class j of each point: random or the least likely", "random", "least-likely"),
            MethodParameter.Double("margin", 10, "margin k by which the target logit must exceed the original class's", 0),
            MethodParameter.Double("lr", 0.01, "Adam learning rate on the input", 0, 1, minExclusive: true),
            MethodParameter.Int("max_steps", 1000, "optimisation steps at most", 1),
        ],
        Reads = Suspects.OutputMode.Label,
        Needs = MethodNeeds.OwnerData | MethodNeeds.SourceGradients,
        Direction = ScoreDirection.HigherIsStolen,
    }, new IpGuardSampler(), new LabelsReading(), new LabelAgreement(binomialPValue: false));

    public SampledQueries Sample(CreationContext context, MethodParameters p)
    {
        var source = context.Source;
        int count = p.Int("points");
        if (count > context.OwnerData.Count) throw new ArgumentException($"IPGuard wants {count} owner images; the data has {context.OwnerData.Count}");
        if (source.Classes < 3) throw new ArgumentException("IPGuard's loss needs at least 3 classes");
        var gen = new Generator(context.Seed);
        var start = DataSplits.Subsample(context.OwnerData, count, context.Seed).AsTensor();
        var points = BoundaryPoints(source, start, p.Enum<TargetChoice>("target"), (float)p.Double("margin"), p.Double("lr"), p.Int("max_steps"), gen, out _, out var targets);
        var labels = SuspectOutput.FromLogits(source.LogitsOf(points), count, source.Classes).Labels;
        int reached = labels.Zip(targets).Count(t => t.First == t.Second);
        return new SampledQueries
        {
            Queries = points,
            ExpectedLabels = labels,
            Facts = new Dictionary<string, string> { ["points_reaching_target"] = reached.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
    }

    /// <summary>Optimises all points together; a point that reaches zero loss is frozen where it is.</summary>
    internal static Tensor BoundaryPoints(SourceModel source, Tensor start, TargetChoice target, float margin, double learningRate, int maxSteps, Generator gen, out int[] original, out int[] targets)
    {
        int n = start.Shape[0], c = source.Classes, per = start.Size / n;
        var x = start.ClonePersistent().RequireGrad();
        float[] initial = source.LogitsOf(x);
        original = new int[n]; targets = new int[n];
        for (int s = 0; s < n; s++)
        {
            var row = initial.AsSpan(s * c, c);
            int i = 0, least = 0;
            for (int k = 1; k < c; k++) { if (row[k] > row[i]) i = k; if (row[k] < row[least]) least = k; }
            original[s] = i;
            int j = target == TargetChoice.LeastLikely ? least : gen.NextInt(c - 1);
            if (target == TargetChoice.Random && j >= i) j++;
            targets[s] = j;
        }
        var done = new bool[n];
        var frozen = new float[n * per];
        var adam = new Adam([x], learningRate);
        for (int step = 0; step < maxSteps && done.Contains(false); step++)
        {
            using var scope = TensorScope.Begin();
            adam.ZeroGrad();
            var z = source.Logits(x);
            var (loss, perSample) = MarginLoss(z, original, targets, margin);
            for (int s = 0; s < n; s++)
                if (!done[s] && perSample[s] <= 0)
                {
                    done[s] = true;
                    x.Span.Slice(s * per, per).CopyTo(frozen.AsSpan(s * per, per));
                }
            if (!done.Contains(false)) break;
            loss.Backward();
            adam.Step();
            var xs = x.Span;
            for (int s = 0; s < n; s++)
            {
                var row = xs.Slice(s * per, per);
                if (done[s]) { frozen.AsSpan(s * per, per).CopyTo(row); continue; }
                for (int k = 0; k < per; k++) row[k] = Math.Clamp(row[k], 0f, 1f);
            }
        }
        x.RequiresGrad = false;
        return x;
    }

    /// <summary>Σ over points of ReLU(z_i − z_j + k) + ReLU(max_{t≠i,j} z_t − z_i), and each point's value.</summary>
    internal static (Tensor Loss, float[] PerSample) MarginLoss(Tensor z, int[] original, int[] targets, float margin)
    {
        int n = z.Shape[0], c = z.Shape[1];
        var pick = Tensor.Zeros(n, c); var pickJ = Tensor.Zeros(n, c); var others = Tensor.Full(-1e9f, n, c);
        for (int s = 0; s < n; s++)
        {
            pick.Data[s * c + original[s]] = 1f;
            pickJ.Data[s * c + targets[s]] = 1f;
            for (int t = 0; t < c; t++) if (t != original[s] && t != targets[s]) others.Data[s * c + t] = 0f;
        }
        var zi = (z * pick).Sum(1);
        var zj = (z * pickJ).Sum(1);
        var zo = (z + others).Max(1);
        var perSample = ((zi - zj + margin).Relu() + (zo - zi).Relu());
        return (perSample.Sum(), perSample.ToArray());
    }
}
