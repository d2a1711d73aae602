using Lineage.Data.Formats;
using Lineage.Suspects;

namespace Lineage.Evidence;

/// <summary>A suspect's answers as .npy files that NumPy reads: labels [n] int32 always; the revealed values [n, classes]
/// float32 for logits, probabilities and top-k (zero where top-k hid a class); the revealed classes [n, k] int32 for top-k.
/// Exactly what the suspect said, so the answers can be scored again offline.</summary>
public static class AnswerFiles
{
    public sealed record Files(string Labels, string? Values, string? TopK);

    public static Files Save(SuspectOutput answers, string dir, string stem)
    {
        string labels = stem + ".labels.npy";
        NpyFile.Write(Path.Combine(dir, labels), NpyArray.FromInt32(answers.Labels, answers.Count));
        string? values = null, topk = null;
        if (answers.Values is float[] v)
        {
            values = stem + ".values.npy";
            NpyFile.Write(Path.Combine(dir, values), NpyArray.FromFloat32(v, answers.Count, answers.Classes));
        }
        if (answers.TopKClasses is int[] t)
        {
            topk = stem + ".topk.npy";
            NpyFile.Write(Path.Combine(dir, topk), NpyArray.FromInt32(t, answers.Count, answers.K));
        }
        return new Files(labels, values, topk);
    }

    public static SuspectOutput Load(string dir, OutputMode mode, int classes, Files files)
    {
        NpyArray Read(string name) => NpyFile.Read(Path.Combine(dir, name));
        float[] Values() => (float[])Read(files.Values ?? throw new InvalidDataException($"the evidence lists no values file for {mode} answers")).Data;
        var labels = (int[])Read(files.Labels).Data;
        switch (mode)
        {
            case OutputMode.Logits: return SuspectOutput.FromLogits(Values(), labels.Length, classes);
            case OutputMode.Probabilities: return SuspectOutput.FromProbabilities(Values(), labels.Length, classes);
            case OutputMode.TopK:
            {
                var topk = Read(files.TopK ?? throw new InvalidDataException("the evidence lists no top-k classes file"));
                var cls = (int[])topk.Data;
                int n = labels.Length, k = topk.Shape[1];
                var dense = Values();
                var probs = new float[n * k];
                for (int r = 0; r < n; r++)
                    for (int j = 0; j < k; j++) probs[r * k + j] = dense[r * classes + cls[r * k + j]];
                return SuspectOutput.FromTopK(cls, probs, n, classes, k);
            }
            default: return SuspectOutput.FromLabels(labels, classes);
        }
    }
}
