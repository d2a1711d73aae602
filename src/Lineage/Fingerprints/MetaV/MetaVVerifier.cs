using Lineage.Engine;
using Lineage.Engine.Nn;

namespace Lineage.Fingerprints.MetaV;

/// <summary>
/// MetaV's meta-verifier (Pan et al., KDD 2022): a network over a model's concatenated softmax outputs on the N
/// queries that says whether the model is derived from the source. Its layers are those of the public
/// re-implementation, Linear(N·C → hidden) → Linear(hidden → 2), with no activation between them. Its weights are
/// named tensors ("0.weight", "0.bias", "1.weight", "1.bias"), the state dict of the network, so a fingerprint file
/// can carry them.
/// </summary>
public sealed class MetaVVerifier
{
    readonly Sequential net;

    public int Inputs { get; }

    MetaVVerifier(Sequential net, int inputs)
    {
        this.net = net; Inputs = inputs;
    }

    public static MetaVVerifier Create(int inputs, int hidden, Generator gen)
    {
        if (inputs < 1 || hidden < 1) throw new ArgumentException($"MetaV's verifier needs positive sizes, got {inputs} inputs and {hidden} hidden units");
        return new MetaVVerifier(new Sequential(new Linear(inputs, hidden, gen), new Linear(hidden, 2, gen)), inputs);
    }

    public IEnumerable<Tensor> Parameters() => net.Parameters();

    /// <summary>Logits [m, 2] (column 1: derived) of outputs [m, N·C], with gradients.</summary>
    public Tensor Forward(Tensor outputs) => net.Forward(outputs);

    /// <summary>The derived-minus-independent logit margin of each model's outputs [m × N·C], no gradients: the score.</summary>
    public double[] Margins(float[] outputs, int m)
    {
        if (outputs.Length != m * Inputs) throw new ArgumentException($"MetaV's verifier takes {Inputs} output values per model; got {outputs.Length} for {m}");
        using var _ = GradMode.NoGrad();
        using var scope = TensorScope.Begin();
        var logits = net.Forward(Tensor.FromArray(outputs, m, Inputs)).ToArray();
        return Enumerable.Range(0, m).Select(i => (double)logits[2 * i + 1] - logits[2 * i]).ToArray();
    }

    public Dictionary<string, Tensor> Weights() => net.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ClonePersistent());

    public static MetaVVerifier FromWeights(IReadOnlyDictionary<string, Tensor> weights)
    {
        Tensor Get(string name, int rank) => weights.TryGetValue(name, out var t) && t.Rank == rank ? t
            : throw new InvalidDataException($"MetaV verifier weights need '{name}' of rank {rank}; found {(weights.TryGetValue(name, out var u) ? Tensor.FormatShape(u.Shape) : "nothing")}");
        var w0 = Get("0.weight", 2); var w1 = Get("1.weight", 2);
        if (w1.Shape[1] != w0.Shape[0] || w1.Shape[0] != 2)
            throw new InvalidDataException($"MetaV verifier weights do not chain to 2 outputs: '0.weight' is {Tensor.FormatShape(w0.Shape)}, '1.weight' is {Tensor.FormatShape(w1.Shape)}");
        var verifier = Create(w0.Shape[1], w0.Shape[0], new Generator(0));
        verifier.net.LoadStateDict(weights);
        return verifier;
    }
}
