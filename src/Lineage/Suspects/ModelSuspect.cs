using Lineage.Engine;

namespace Lineage.Suspects;

/// <summary>
/// A suspect backed by a model we can run (a Lineage model file, an ONNX graph): it runs in eval mode
/// without gradients, in batches, and reveals only what <see cref="Mode"/> allows — so a guarded API
/// (label-only, top-k) can be mimicked exactly.
/// </summary>
public sealed class ModelSuspect : ISuspect
{
    readonly Func<Tensor, Tensor> logitsOf;

    /// <param name="logitsOf">Maps [0,1] images (after the suspect's own preprocessing, which this function applies) to logits.</param>
    public ModelSuspect(string name, Func<Tensor, Tensor> logitsOf, int classes, OutputMode mode = OutputMode.Logits, int topK = 1, int batchSize = 256)
    {
        if (mode == OutputMode.TopK && (topK < 1 || topK > classes)) throw new ArgumentException($"top-k with k={topK} for {classes} classes");
        if (batchSize < 1) throw new ArgumentException("batch size must be positive");
        Name = name; this.logitsOf = logitsOf; Classes = classes; Mode = mode; TopK = topK; BatchSize = batchSize;
    }

    /// <summary>A Lineage model file behind the boundary, in eval mode, with its own declared preprocessing.</summary>
    public static ModelSuspect Of(Models.ModelFile file, string name, OutputMode mode = OutputMode.Logits, int topK = 1)
    {
        file.Model.Eval();
        return new ModelSuspect(name, file.Logits, file.Spec.Classes, mode, topK);
    }

    public string Name { get; }
    public OutputMode Mode { get; }
    public int Classes { get; }
    public int TopK { get; }
    public int BatchSize { get; }

    public SuspectOutput Query(Tensor images) => OutputReduction.Reveal(SuspectOutput.FromLogits(Logits(images), images.Shape[0], Classes), Mode, TopK);

    /// <summary>The raw logits, batched and shape-checked but not yet checked for finiteness (the caller
    /// knows whose model this is and how to say that it failed).</summary>
    public float[] Logits(Tensor images)
    {
        int n = images.Shape[0];
        var logits = new float[n * Classes];
        using (GradMode.NoGrad())
            for (int start = 0; start < n; start += BatchSize)
            {
                using var scope = TensorScope.Begin();
                int end = Math.Min(n, start + BatchSize);
                var batch = images.Slice(0, start, end);
                var y = logitsOf(batch);
                if (y.Rank != 2 || y.Shape[0] != end - start || y.Shape[1] != Classes)
                    throw new InvalidDataException($"{Name}: model produced {Tensor.FormatShape(y.Shape)} for {end - start} images, expected [{end - start}, {Classes}]");
                y.Span.CopyTo(logits.AsSpan(start * Classes));
            }
        return logits;
    }
}
