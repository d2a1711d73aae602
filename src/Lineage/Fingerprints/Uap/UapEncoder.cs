using Lineage.Engine;
using Lineage.Engine.Nn;
using Lineage.Engine.Optim;

namespace Lineage.Fingerprints.Uap;

/// <summary>Settings of the encoder and its contrastive training (ALGORITHMS.md, UAP: MLP 2·C·N → 50 → ReLU → 20,
/// SupCon τ 0.07–0.2 (impl 0.2), Adam lr 5e-4, batch 512 (impl)).</summary>
public sealed record UapEncoderOptions
{
    public int Hidden { get; init; } = 50;
    public int Embedding { get; init; } = 20;
    public float Temperature { get; init; } = 0.2f;
    public double LearningRate { get; init; } = 5e-4;
    /// <summary>Passes over the kit's fingerprints. The re-implementation's 10 epochs see thousands of fingerprints
    /// (200 views); a kit of ten models and 20 views gives a few hundred, so more passes make up the steps.</summary>
    public int Epochs { get; init; } = 200;
    public int BatchSize { get; init; } = 512;

    public void Validate()
    {
        if (Hidden < 1 || Embedding < 1) throw new ArgumentException($"UAP encoder layers must be positive, got hidden {Hidden}, embedding {Embedding}");
        if (!(Temperature > 0) || !float.IsFinite(Temperature)) throw new ArgumentException($"UAP encoder temperature must be > 0, got {Temperature}");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentException($"UAP encoder learning rate must be > 0, got {LearningRate}");
        if (Epochs < 1) throw new ArgumentException($"UAP encoder needs at least 1 epoch, got {Epochs}");
        if (BatchSize < 2) throw new ArgumentException($"UAP encoder batch size must be at least 2, got {BatchSize}");
    }
}

/// <summary>
/// The fingerprint encoder of UAP §4.3: an MLP from a fingerprint (2·C·N values) to an embedding, trained with the
/// supervised contrastive loss so that the source's and surrogates' fingerprints (label 0) gather on one side of
/// the sphere and the references' (label 1) on the other. Its weights are named tensors ("0.weight", "0.bias",
/// "2.weight", "2.bias"), the state dict of the MLP, so a fingerprint file can carry them.
/// </summary>
public sealed class UapEncoder
{
    readonly Sequential net;

    public int Inputs { get; }
    public int Embedding { get; }

    UapEncoder(Sequential net, int inputs, int embedding)
    {
        this.net = net; Inputs = inputs; Embedding = embedding;
        net.Eval();
    }

    /// <summary>A fresh encoder with PyTorch's default initialisation, seeded.</summary>
    public static UapEncoder Create(int inputs, UapEncoderOptions options, Generator gen)
    {
        options.Validate();
        if (inputs < 1) throw new ArgumentException($"UAP encoder input size must be positive, got {inputs}");
        return new UapEncoder(new Sequential(new Linear(inputs, options.Hidden, gen), new ReLU(), new Linear(options.Hidden, options.Embedding, gen)), inputs, options.Embedding);
    }

    /// <summary>The weights as named tensors (copies).</summary>
    public Dictionary<string, Tensor> Weights() => net.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ClonePersistent());

    /// <summary>An encoder from named tensors as <see cref="Weights"/> writes them; sizes come from the shapes.</summary>
    public static UapEncoder FromWeights(IReadOnlyDictionary<string, Tensor> weights)
    {
        Tensor Get(string name, int rank) => weights.TryGetValue(name, out var t) && t.Rank == rank ? t
            : throw new InvalidDataException($"UAP encoder weights need '{name}' of rank {rank}; found {(weights.TryGetValue(name, out var u) ? Tensor.FormatShape(u.Shape) : "nothing")}");
        var w0 = Get("0.weight", 2); var w2 = Get("2.weight", 2);
        int inputs = w0.Shape[1], hidden = w0.Shape[0], embedding = w2.Shape[0];
        if (w2.Shape[1] != hidden) throw new InvalidDataException($"UAP encoder weights do not chain: '0.weight' is {Tensor.FormatShape(w0.Shape)}, '2.weight' is {Tensor.FormatShape(w2.Shape)}");
        var encoder = Create(inputs, new UapEncoderOptions { Hidden = hidden, Embedding = embedding }, new Generator(0));
        encoder.net.LoadStateDict(weights);
        return encoder;
    }

    /// <summary>Embeddings [n, embedding] of fingerprints [n, inputs], no gradients.</summary>
    public float[] Embed(float[] fingerprints, int n)
    {
        if (fingerprints.Length != n * Inputs) throw new ArgumentException($"the UAP encoder takes fingerprints of {Inputs} values; got {fingerprints.Length} values for {n}");
        using var _ = GradMode.NoGrad();
        using var scope = TensorScope.Begin();
        return net.Forward(Tensor.FromArray(fingerprints, n, Inputs)).ToArray();
    }

    /// <summary>Trains on fingerprints [n, inputs] with their labels (0 source and surrogates, 1 references) by
    /// SupCon; batches are drawn in a seeded order each epoch. Returns the mean loss of each epoch.</summary>
    public List<double> Train(float[] fingerprints, int[] labels, UapEncoderOptions options, Generator gen)
    {
        options.Validate();
        int n = labels.Length;
        if (fingerprints.Length != n * Inputs) throw new ArgumentException($"{fingerprints.Length} fingerprint values for {n} labels of {Inputs} inputs");
        var all = Tensor.FromArray(fingerprints, n, Inputs);
        var adam = new Adam(net.Parameters(), options.LearningRate);
        var losses = new List<double>();
        net.Train();
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            var order = gen.Permutation(n);
            double sum = 0; int batches = 0;
            for (int start = 0; start < n; start += options.BatchSize)
            {
                var rows = order[start..Math.Min(n, start + options.BatchSize)];
                var batchLabels = rows.Select(r => labels[r]).ToArray();
                if (!HasPositivePair(batchLabels)) continue;
                using var scope = TensorScope.Begin();
                adam.ZeroGrad();
                var loss = SupConLoss.Compute(net.Forward(all.IndexSelect(0, rows)), batchLabels, options.Temperature);
                loss.Backward();
                adam.Step();
                sum += loss.Item(); batches++;
            }
            losses.Add(batches == 0 ? double.NaN : sum / batches);
        }
        net.Eval();
        return losses;
    }

    static bool HasPositivePair(int[] labels) => labels.GroupBy(l => l).Any(g => g.Count() > 1);
}
