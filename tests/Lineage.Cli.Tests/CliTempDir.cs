namespace Lineage.Cli.Tests;

/// <summary>A fresh working folder for CLI runs, deleted afterwards.</summary>
public sealed class CliTempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("lineage-cli-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
