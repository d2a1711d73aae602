using Lineage.Fingerprints;
using Lineage.Fingerprints.IpGuard;
using Lineage.Fingerprints.Sac;

namespace Lineage.Tests.Fingerprints;

public class FingerprintFileTests(TrainedModelsFixture models) : IClassFixture<TrainedModelsFixture>
{
    [Fact]
    public void RoundTripsAndScoresTheSame()
    {
        var dir = Directory.CreateTempSubdirectory("lineage-fp-");
        try
        {
            var fp = FingerprintCreation.Create("ipguard", new CreationContext { Source = models.SourceModel, OwnerData = models.Defender, Seed = 1 }, new Dictionary<string, string> { ["points"] = "10", ["max_steps"] = "50" }, new RuleOptions { Threshold = 0.6 });
            var path = Path.Combine(dir.FullName, "fp.safetensors");
            FingerprintFile.Save(fp, path);
            var back = FingerprintFile.Load(path);
            Assert.Equal(fp.Method, back.Method);
            Assert.Equal(fp.SourceModelHash, back.SourceModelHash);
            Assert.Equal(fp.Queries.ToArray(), back.Queries.ToArray());
            Assert.Equal(fp.ExpectedLabels, back.ExpectedLabels);
            Assert.Equal(fp.Rule.Threshold, back.Rule.Threshold);
            Assert.Equal(fp.Parameters, back.Parameters);
            var suspect = TrainedModelsFixture.AsSuspect(models.FineTuned, "copy");
            Assert.Equal(FingerprintVerifier.Verify(fp, suspect).Score, FingerprintVerifier.Verify(back, suspect).Score);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void TamperedOrTruncatedFilesAreRejected()
    {
        var dir = Directory.CreateTempSubdirectory("lineage-fp-");
        try
        {
            var fp = FingerprintCreation.Create("sac-m", new CreationContext { Source = models.SourceModel, OwnerData = models.Defender, Seed = 1 }, new Dictionary<string, string> { ["samples"] = "20" }, new RuleOptions { Threshold = 0.05 });
            var path = Path.Combine(dir.FullName, "fp.safetensors");
            FingerprintFile.Save(fp, path);
            var bytes = File.ReadAllBytes(path);

            var flipped = (byte[])bytes.Clone();
            flipped[^3] ^= 0x10;   // a query pixel
            File.WriteAllBytes(path, flipped);
            Assert.Contains("content hash mismatch", Assert.Throws<InvalidDataException>(() => FingerprintFile.Load(path)).Message);

            // an edited rule in the JSON header (same length, so the file stays well-formed)
            var text = System.Text.Encoding.Latin1.GetString(bytes);
            var edited = text.Replace("threshold set by the owner", "threshold set by the OWNER");
            Assert.NotEqual(text, edited);
            File.WriteAllBytes(path, System.Text.Encoding.Latin1.GetBytes(edited));
            Assert.Contains("content hash mismatch", Assert.Throws<InvalidDataException>(() => FingerprintFile.Load(path)).Message);

            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            var ex = Assert.ThrowsAny<Exception>(() => FingerprintFile.Load(path));
            Assert.Contains(path, ex.Message);
        }
        finally { dir.Delete(true); }
    }
}
