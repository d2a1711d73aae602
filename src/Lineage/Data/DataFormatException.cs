namespace Lineage.Data;

/// <summary>A data file that is truncated, corrupt or not what its name says. The message names the
/// file and what was expected, so the user can tell which download went wrong.</summary>
public sealed class DataFormatException : Exception
{
    public string Path { get; }

    public DataFormatException(string path, string message, Exception? inner = null)
        : base($"{path}: {message}", inner) => Path = path;
}
