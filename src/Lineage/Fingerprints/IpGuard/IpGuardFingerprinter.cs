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
/// stays ahead of every other class). The points, labelled by the source, are the fingerprint.
/// </summary>
public static class IpGuardFingerprinter
{
    public static Fingerprint Create(SourceModel source, Dataset ownerData, IpGuardOptions options, RuleOptions rule)
    {
        if (options.Points < 1 || options.Points > ownerData.Count) throw new ArgumentException($"IPGuard wants {options.Points} owner images; the data has {ownerData.Count}");
        if (source.Classes < 3) throw new ArgumentException("IPGuard's loss needs at least 3 classes");
        var gen = new Generator(options.Seed);
        var start = DataSplits.Subsample(ownerData, options.Points, options.Seed).AsTensor();
        var points = BoundaryPoints(source, start, options, gen, out var original, out var targets);
        var logits = source.LogitsOf(points);
        var output = SuspectOutput.FromLogits(logits, options.Points, source.Classes);
        var parameters = options.Describe();
        int reached = output.Labels.Zip(targets).Count(p => p.First == p.Second);
        parameters["points_reaching_target"] = reached.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var draft = new Fingerprint
        {
            Method = "ipguard",
            CreatedUtc = DateTimeOffset.UtcNow,
            SourceModelHash = source.Hash,
            Parameters = parameters,
            Queries = points,
            SourceOutput = output,
            ExpectedLabels = output.Labels,
            Preprocessing = source.Preprocessing,
            Rules = [],
        };
        draft.Rules = rule.Resolve(draft, FingerprintMethods.Get("ipguard"), ScoreDirection.HigherIsStolen, (_, _) => null);
        return draft;
    }

    /// <summary>Optimises all points together; a point that reaches zero loss is frozen where it is.</summary>
    internal static Tensor BoundaryPoints(SourceModel source, Tensor start, IpGuardOptions o, Generator gen, out int[] original, out int[] targets)
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
            int j = o.Target == TargetChoice.LeastLikely ? least : gen.NextInt(c - 1);
            if (o.Target == TargetChoice.Random && j >= i) j++;
            targets[s] = j;
        }
        var done = new bool[n];
        var frozen = new float[n * per];
        var adam = new Adam([x], o.LearningRate);
        for (int step = 0; step < o.MaxSteps && done.Contains(false); step++)
        {
            using var scope = TensorScope.Begin();
            adam.ZeroGrad();
            var z = source.Logits(x);
            var (loss, perSample) = MarginLoss(z, original, targets, o.Margin);
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
