using System.Security.Cryptography;
using Lineage.Data;

namespace Lineage.Fuzz;

/// <summary>
/// What a parser may throw on hostile bytes: the exceptions the CLI turns into one "error:" line and exit code 2
/// (src/Lineage.Cli/Commands/CommandErrors.cs), carrying a message that names the input. Anything else (a
/// NullReference, IndexOutOfRange, Overflow, OutOfMemory, InvalidOperation, JsonException escaping a parser...) reaches
/// the user as a stack trace, and so is a finding; so is a clear exception whose message does not name the input,
/// or a framework message such as "Specified argument was out of the range of valid values".
/// </summary>
public static class ExpectedFailure
{
    public static bool IsClearError(Exception e, string inputName, out string why)
    {
        if (e is not (DataFormatException or InvalidDataException or FileNotFoundException or ArgumentException or FormatException
                or NotSupportedException or IOException or CryptographicException))
        {
            why = $"{e.GetType().Name} escapes the parser (the CLI would print a stack trace)";
            return false;
        }
        if (e is ArgumentOutOfRangeException or ArgumentNullException && !e.Message.Contains(inputName, StringComparison.Ordinal))
        {
            why = $"{e.GetType().Name} with the framework's message, naming nothing: {e.Message}";
            return false;
        }
        if (!e.Message.Contains(inputName, StringComparison.Ordinal))
        {
            why = $"{e.GetType().Name} does not name the input '{inputName}': {e.Message}";
            return false;
        }
        why = "";
        return true;
    }
}
