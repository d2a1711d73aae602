using System.Globalization;

namespace Lineage.Generative;

/// <summary>
/// How a GAN is trained: hinge loss, one discriminator step per generator step, Adam with β₁ = 0.5 (DCGAN) at
/// 2e-4 for both networks, batches of 64 drawn with replacement. Iterations are generator steps. Every random draw
/// of iteration i comes from a generator seeded by (seed, i), so a resumed run is the run that was interrupted.
/// </summary>
public sealed record GanTrainingOptions
{
    public int Iterations { get; init; } = 1500;
    public int BatchSize { get; init; } = 64;
    public double GeneratorLr { get; init; } = 2e-4;
    public double DiscriminatorLr { get; init; } = 2e-4;
    public double Beta1 { get; init; } = 0.5;
    public double Beta2 { get; init; } = 0.999;
    public int Width { get; init; } = 64;
    public int LatentSize { get; init; } = 128;
    public int Seed { get; init; }
    /// <summary>Iterations between checkpoints (a resumed run loses at most this many).</summary>
    public int CheckpointEvery { get; init; } = 100;
    /// <summary>Iterations between progress lines.</summary>
    public int ProgressEvery { get; init; } = 50;
    /// <summary>Iterations after which a discriminator whose hinge loss stays at zero (it rejects every generated image
    /// by the full margin and accepts every real one) is declared to have won: the generator gets no useful gradient.</summary>
    public int DiscriminatorWinPatience { get; init; } = 200;

    public void Validate()
    {
        if (Iterations < 1 || BatchSize < 2 || Width < 1 || LatentSize < 1 || CheckpointEvery < 1 || ProgressEvery < 1 || DiscriminatorWinPatience < 1)
            throw new ArgumentException($"GAN training needs positive iterations, width, latent size and intervals and a batch of at least 2, got {this}");
        if (!(GeneratorLr > 0) || !(DiscriminatorLr > 0) || !double.IsFinite(GeneratorLr) || !double.IsFinite(DiscriminatorLr))
            throw new ArgumentException($"GAN learning rates must be positive, got generator {GeneratorLr}, discriminator {DiscriminatorLr}");
        if (Beta1 is < 0 or >= 1 || Beta2 is < 0 or >= 1)
            throw new ArgumentException($"Adam betas must lie in [0, 1), got {Beta1}, {Beta2}");
    }

    /// <summary>Everything a resumed run must share with the interrupted one (iterations may grow: training can be extended).</summary>
    public string ResumeKey() => string.Join(";", new[]
    {
        $"batch={BatchSize}", $"lr_g={GeneratorLr.ToString("R", CultureInfo.InvariantCulture)}", $"lr_d={DiscriminatorLr.ToString("R", CultureInfo.InvariantCulture)}",
        $"beta1={Beta1.ToString("R", CultureInfo.InvariantCulture)}", $"beta2={Beta2.ToString("R", CultureInfo.InvariantCulture)}",
        $"width={Width}", $"latent={LatentSize}", $"seed={Seed}",
    });
}
