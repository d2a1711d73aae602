using Lineage.Adversarial;

namespace Lineage.Fingerprints.Uap;

/// <summary>UAP fingerprinting's settings; sources of the defaults in docs/uap.md.</summary>
public sealed record UapOptions
{
    /// <summary>N, the k-means clusters and so the points per fingerprint (paper: 100).</summary>
    public int Points { get; init; } = 100;
    /// <summary>Views per model: fingerprints per model for training, and per suspect for the t-test (paper: 20 suffice).</summary>
    public int Views { get; init; } = 20;
    /// <summary>Owner images the UAP search runs over (a seeded subsample; all when the data has fewer).</summary>
    public int UapImages { get; init; } = 500;
    /// <summary>The UAP search. ℓ2 with ξ = 4 and a cap of 5 passes (our choice, measured on Fashion-MNIST in
    /// docs/uap.md: ℓ∞ 10/255 fools 2 % of the images there, ℓ2 4 about 64 % after 3 passes).</summary>
    public UniversalPerturbationOptions Uap { get; init; } = new() { Norm = PerturbationNorm.L2, Xi = 4f, MaxPasses = 5, BatchSize = 32 };
    public UapEncoderOptions Encoder { get; init; } = new();
    /// <summary>One encoder is trained per reading, so suspects that reveal less still meet fingerprints read alike.</summary>
    public IReadOnlyList<UapReading> Readings { get; init; } = [UapReading.Probabilities, new(3), new(2), new(1)];
    public int KMeansRestarts { get; init; } = 4;
    /// <summary>The ablation of UAP Fig. 7: each view image gets its own DeepFool perturbation instead of the one
    /// universal v (no UAP search then). The paper's point is that the universal one outlines the boundary globally.</summary>
    public bool PerImage { get; init; }
    public int Seed { get; init; }

    public void Validate(int ownerImages, int classes)
    {
        if (Points < 1 || Points > ownerImages) throw new ArgumentException($"UAP points N = {Points} must lie in 1..{ownerImages} (the owner data's size)");
        if (Views < 2 || Views > ownerImages) throw new ArgumentException($"UAP views = {Views} must lie in 2..{ownerImages} (the t-test needs 2 similarities; each view is a distinct neighbour)");
        if (UapImages < 1) throw new ArgumentException($"UAP images must be positive, got {UapImages}");
        if (KMeansRestarts < 1) throw new ArgumentException($"UAP k-means restarts must be positive, got {KMeansRestarts}");
        if (Readings.Count == 0) throw new ArgumentException("UAP needs at least one reading (probabilities, label or topK)");
        foreach (var r in Readings)
            if (r.TopK < 0 || r.TopK >= classes) throw new ArgumentException($"UAP reading top{r.TopK} must lie in 1..{classes - 1} for {classes} classes (use probabilities for all)");
        if (Readings.Distinct().Count() != Readings.Count) throw new ArgumentException("UAP readings must be distinct");
        Uap.Validate();
        Encoder.Validate();
    }

    public Dictionary<string, string> Describe()
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        return new()
        {
            ["points"] = Points.ToString(c),
            ["views"] = Views.ToString(c),
            ["uap_images"] = UapImages.ToString(c),
            ["norm"] = Uap.Norm == PerturbationNorm.LInf ? "linf" : "l2",
            ["xi"] = Uap.Xi.ToString("R", c),
            ["delta"] = Uap.Delta.ToString("R", c),
            ["max_passes"] = Uap.MaxPasses.ToString(c),
            ["uap_batch"] = Uap.BatchSize.ToString(c),
            ["deepfool_candidates"] = Uap.DeepFool.Candidates.ToString(c),
            ["deepfool_overshoot"] = Uap.DeepFool.Overshoot.ToString("R", c),
            ["deepfool_max_iterations"] = Uap.DeepFool.MaxIterations.ToString(c),
            ["encoder_hidden"] = Encoder.Hidden.ToString(c),
            ["encoder_embedding"] = Encoder.Embedding.ToString(c),
            ["temperature"] = Encoder.Temperature.ToString("R", c),
            ["encoder_lr"] = Encoder.LearningRate.ToString("R", c),
            ["encoder_epochs"] = Encoder.Epochs.ToString(c),
            ["encoder_batch"] = Encoder.BatchSize.ToString(c),
            ["readings"] = string.Join(",", Readings.Select(r => r.Name)),
            ["kmeans_restarts"] = KMeansRestarts.ToString(c),
            ["perturbation"] = PerImage ? "per-image" : "universal",
            ["seed"] = Seed.ToString(c),
        };
    }
}
