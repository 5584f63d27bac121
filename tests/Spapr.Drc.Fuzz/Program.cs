using SharpFuzz;
using Spapr.Drc.Fuzz;

// Targets: "rtas" (RTAS input handling), "snapshot" (the snapshot loader), "scenario" (drcsim's scenario runner).
//   Spapr.Drc.Fuzz <target>                       afl-fuzz runs this (SharpFuzz's out-of-process loop)
//   Spapr.Drc.Fuzz seed <target> <dir>            writes the starting corpus
//   Spapr.Drc.Fuzz replay <target> <file|dir>...  runs inputs directly and reports failures
Action<byte[]>? Target(string name) => name switch
{
    "rtas" => data => RtasFuzzTarget.Run(data),
    "snapshot" => data => SnapshotFuzzTarget.Run(data),
    "scenario" => data => ScenarioFuzzTarget.Run(data),
    _ => null,
};

if (args.Length == 1 && Target(args[0]) is { } fuzz)
{
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        fuzz(memory.ToArray());
    });
    return 0;
}

if (args.Length == 3 && args[0] == "seed" && Target(args[1]) is not null)
{
    Directory.CreateDirectory(args[2]);
    foreach (var (name, bytes) in SeedCorpus.Inputs(args[1]))
    {
        if (args[1] == "snapshot")
        {
            // A seed the loader refuses would only teach AFL the refusal paths.
            using var registry = SnapshotFuzzTarget.Machine(out _);
            registry.LoadSnapshot(bytes.AsSpan(1));
        }

        File.WriteAllBytes(Path.Combine(args[2], name), bytes);
    }

    return 0;
}

if (args.Length >= 3 && args[0] == "replay" && Target(args[1]) is { } replay)
{
    var files = args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]).ToList();
    int failed = 0;
    foreach (var file in files)
    {
        try
        {
            replay(File.ReadAllBytes(file));
        }
#pragma warning disable CA1031 // Report every failing input, not only the first.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failed++;
            Console.Error.WriteLine($"{file}: {ex}");
        }
    }

    Console.WriteLine($"{files.Count} inputs replayed, {failed} failed");
    return failed == 0 ? 0 : 1;
}

Console.Error.WriteLine("usage: Spapr.Drc.Fuzz <rtas|snapshot|scenario> | seed <target> <dir> | replay <target> <file|dir>...");
return 2;
