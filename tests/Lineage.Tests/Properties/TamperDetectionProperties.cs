using FsCheck;
using FsCheck.Xunit;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Engine.Optim;
using Lineage.Fingerprints;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Models.Training;
using Lineage.Tests.Fingerprints.Combined;

namespace Lineage.Tests.Properties;

/// <summary>Fingerprint files and training checkpoints carry a content hash: whichever byte of the file is changed, and to
/// whatever value, loading refuses it naming the file instead of returning different content as if it were the original.</summary>
public sealed class TamperDetectionProperties : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("lineage-tamper-").FullName;
    readonly byte[] fingerprint, checkpoint;
    static readonly TrainingOptions CheckpointOptions = new() { Epochs = 3, BatchSize = 4, LearningRate = 0.01 };

    public TamperDetectionProperties()
    {
        var fpPath = Path.Combine(dir, "original.fingerprint");
        FingerprintFile.Save(LinearWorld.Make("ipguard", LinearWorld.Source(), queries: 3, seed: 1, LinearWorld.Nulls(2)), fpPath);
        fingerprint = File.ReadAllBytes(fpPath);
        var (model, optimizer) = CheckpointedRun();
        var ckPath = Path.Combine(dir, "original.checkpoint");
        TrainingCheckpoint.Save(ckPath, model, optimizer, null, CheckpointOptions, epochsDone: 1);
        checkpoint = File.ReadAllBytes(ckPath);
    }

    static (Classifier, Optimizer) CheckpointedRun()
    {
        var model = ArchitectureCatalog.Create(new ArchitectureSpec { Name = "mlp", InChannels = 1, ImageSize = 8, Classes = 3, Width = 0.05f }, new Generator(3));
        return (model, new Sgd(model.TrainableParameters().ToList(), 0.01, momentum: 0.9));
    }

    string Tampered(byte[] original, string name, int position, byte mask)
    {
        var bytes = (byte[])original.Clone();
        bytes[position % bytes.Length] ^= mask == 0 ? (byte)1 : mask;
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void TheUntouchedFilesLoad()
    {
        File.WriteAllBytes(Path.Combine(dir, "same.fingerprint"), fingerprint);
        Assert.Equal("ipguard", FingerprintFile.Load(Path.Combine(dir, "same.fingerprint")).Method);
        File.WriteAllBytes(Path.Combine(dir, "same.checkpoint"), checkpoint);
        var (model, optimizer) = CheckpointedRun();
        Assert.Equal(1, TrainingCheckpoint.Restore(Path.Combine(dir, "same.checkpoint"), model, optimizer, null, CheckpointOptions));
    }

    /// <summary>The byte changes a content hash cannot see, because JSON reads the same content from them: a padding
    /// space made a tab, and the letter case of a \u escape's hex digit. Random bytes and masks hit them rarely.</summary>
    public static IEnumerable<(int Position, byte Mask)> SameContentEdits(byte[] file)
    {
        int headerLength = (int)BitConverter.ToUInt64(file, 0);
        var header = System.Text.Encoding.Latin1.GetString(file, 8, headerLength);
        yield return (8 + headerLength - 1, 0x20 ^ 0x09);   // the last padding byte (a space) becomes a tab
        int escape = System.Text.RegularExpressions.Regex.Match(header, @"\\u[0-9A-F]{3}[A-F]").Index;
        if (escape > 0) yield return (8 + escape + 5, 0x20);   // "\u003E" becomes "\u003e"
    }

    [Fact]
    public void EditsThatKeepTheJsonContentAreRefusedToo()
    {
        Assert.Equal(2, SameContentEdits(fingerprint).Count());
        Assert.Equal(2, SameContentEdits(checkpoint).Count());
        foreach (var (position, mask) in SameContentEdits(fingerprint))
            Assert.True(AnyChangedByteOfAFingerprintIsRefused(NonNegativeInt.NewNonNegativeInt(position), mask), $"fingerprint byte {position} ^ 0x{mask:x2}");
        foreach (var (position, mask) in SameContentEdits(checkpoint))
            Assert.True(AnyChangedByteOfACheckpointIsRefused(NonNegativeInt.NewNonNegativeInt(position), mask), $"checkpoint byte {position} ^ 0x{mask:x2}");
    }

    [Property(MaxTest = 300)]
    public bool AnyChangedByteOfAFingerprintIsRefused(NonNegativeInt position, byte mask)
    {
        var path = Tampered(fingerprint, "tampered.fingerprint", position.Get, mask);
        try { FingerprintFile.Load(path); return false; }
        catch (InvalidDataException e) { return e.Message.Contains(path, StringComparison.Ordinal); }
    }

    [Property(MaxTest = 300)]
    public bool AnyChangedByteOfACheckpointIsRefused(NonNegativeInt position, byte mask)
    {
        var path = Tampered(checkpoint, "tampered.checkpoint", position.Get, mask);
        var (model, optimizer) = CheckpointedRun();
        try { TrainingCheckpoint.Restore(path, model, optimizer, null, CheckpointOptions); return false; }
        catch (InvalidDataException e) { return e.Message.Contains(path, StringComparison.Ordinal); }
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);
}
