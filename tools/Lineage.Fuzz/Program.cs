using Lineage.Fuzz;
using SharpFuzz;

// Lineage.Fuzz list                      the harnesses
// Lineage.Fuzz run HARNESS               one harness under afl-fuzz (SharpFuzz's fork server; outside AFL it runs stdin once)
// Lineage.Fuzz replay HARNESS PATH...    every file (or every file in every folder) through the harness, without AFL
// Lineage.Fuzz seeds DIR                 the generated seed files, DIR/HARNESS/NAME
// Lineage.Fuzz pack-evidence DIR FILE    an evidence package folder packed as the evidence harness reads it
switch (args)
{
    case ["list"]:
        foreach (var h in HarnessCatalog.All) Console.WriteLine($"{h.Name,-14} {h.Reads}");
        return 0;
    case ["run", var name]:
    {
        var harness = HarnessCatalog.Get(name);
        Fuzzer.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            harness.Run(buffer.ToArray());
        });
        return 0;
    }
    case ["replay", var name, .. var paths] when paths.Length > 0:
    {
        var result = Replay.Run(HarnessCatalog.Get(name), paths);
        foreach (var f in result.Findings) Console.Error.WriteLine($"{f.Path}: {f.Why}\n{f.Detail}");
        Console.WriteLine($"{name}: {result.Inputs} inputs, {result.ParsesAccepted} parses accepted, {result.ParsesRefused} refused clearly, {result.Findings.Count} findings, {result.Elapsed.TotalSeconds:F1} s");
        return result.Findings.Count == 0 ? 0 : 1;
    }
    case ["seeds", var dir]:
        SeedWriter.WriteAll(dir);
        return 0;
    case ["pack-evidence", var dir, var file]:
        File.WriteAllBytes(file, EvidenceHarness.Pack(dir));
        return 0;
    default:
        Console.Error.WriteLine("usage: Lineage.Fuzz list | run HARNESS | replay HARNESS PATH... | seeds DIR | pack-evidence DIR FILE");
        return 2;
}
