namespace Lineage.Tests.Data;

/// <summary>
/// A fact that needs the real Fashion-MNIST files from Debian's dataset-fashion-mnist package.
/// xunit 2 has no dynamic skip, so the attribute sets <see cref="FactAttribute.Skip"/> itself when
/// the folder is absent: the test then shows as SKIPPED with the reason, never as a silent pass.
/// </summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    public const string Folder = "/usr/share/datasets/fashion-mnist";

    public FashionMnistFactAttribute()
    {
        if (!Directory.Exists(Folder))
            Skip = $"Fashion-MNIST is not installed at {Folder} (apt-get install dataset-fashion-mnist)";
    }
}
