using System.CommandLine;
using Lineage.Evidence;

namespace Lineage.Cli.Commands;

/// <summary>`lineage evidence check`: verify an evidence package's hashes and signature, and re-score its answers offline.</summary>
internal static class EvidenceCommand
{
    public static Command Create()
    {
        var cmd = new Command("evidence", "Check evidence packages written by verify --evidence");
        var dir = new Argument<string>("dir") { Description = "The evidence folder" };
        var publicKey = new Option<string?>("--public-key") { Description = "The signer's public key (FILE.pub from lineage key create); without it the key inside the package is used" };
        var check = new Command("check", "Check every file's SHA-256 and the signature, then score the stored answers again and confirm the verdict");
        check.Arguments.Add(dir);
        check.Options.Add(publicKey);
        check.SetAction(r => CommandErrors.Guard(() =>
        {
            var result = EvidenceCheck.Run(r.GetValue(dir)!, r.GetValue(publicKey));
            foreach (var p in result.Problems) Console.Error.WriteLine("FAILED " + p);
            if (!result.Holds)
            {
                Console.Error.WriteLine($"the evidence does not hold: {result.Problems.Count} problem(s)");
                return 1;
            }
            Console.WriteLine($"{result.FilesChecked} files match the manifest");
            Console.WriteLine(result.Signer is null ? "not signed"
                : result.SignerKeyGiven ? $"signature verified with the given key ({result.Signer})"
                : $"signature verified with the signer key inside the package ({result.Signer}); pass --public-key to check it is the owner's");
            var v = result.Rescored!;
            Console.WriteLine($"re-scored offline: {v.Decision}, combined p = {v.PValue:G4} at FPR {v.Fpr:0.###}, as recorded");
            return 0;
        }));
        cmd.Subcommands.Add(check);
        return cmd;
    }
}
