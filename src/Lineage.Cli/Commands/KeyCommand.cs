using System.CommandLine;
using Lineage.Evidence;

namespace Lineage.Cli.Commands;

/// <summary>`lineage key create`: the owner's ECDSA P-256 key pair for signing evidence.</summary>
internal static class KeyCommand
{
    public static Command Create()
    {
        var cmd = new Command("key", "Signing keys for evidence packages");
        var outFile = new Option<string>("--out", "-o") { Description = "Private key file to write (the public key goes to FILE.pub)", Required = true };
        var create = new Command("create", "Make an ECDSA P-256 key pair: FILE (private, keep it safe) and FILE.pub (give it to whoever checks your evidence)");
        create.Options.Add(outFile);
        create.SetAction(r => CommandErrors.Guard(() =>
        {
            var (priv, pub, fingerprint) = EvidenceKeys.Create(r.GetValue(outFile)!);
            Console.WriteLine($"private key: {priv}\npublic key:  {pub}\nkey fingerprint: {fingerprint}");
            return 0;
        }));
        cmd.Subcommands.Add(create);
        return cmd;
    }
}
