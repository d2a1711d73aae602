using Lineage.Data;

namespace Lineage.Cli.Commands;

/// <summary>Turns the library's expected failures (bad input, missing files, unreachable or misbehaving APIs) into one clear line and exit code 2,
/// instead of a stack trace.</summary>
internal static class CommandErrors
{
    public static int Guard(Func<int> action)
    {
        try { return action(); }
        catch (Exception e) when (e is DatasetNotFoundException or DataFormatException or InvalidDataException or FileNotFoundException
                                     or ArgumentException or FormatException or NotSupportedException or Lineage.Suspects.QueryBudgetExceededException
                                     or TimeoutException or IOException or System.Security.Cryptography.CryptographicException
                                     or Lineage.Models.Training.TrainingDivergedException or Lineage.Zoo.ZooBuildException
                                     or System.Net.Http.HttpRequestException or System.Data.Common.DbException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2;
        }
    }
}
