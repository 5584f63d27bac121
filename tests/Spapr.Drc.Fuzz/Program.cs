using SharpFuzz;
using Spapr.Drc.Fuzz;

// afl-fuzz runs this with no arguments (SharpFuzz's out-of-process loop); "replay <file|dir>..." runs inputs
// directly, and "seed <dir>" writes the starting corpus.
if (args.Length == 0)
{
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        RtasFuzzTarget.Run(memory.GetBuffer().AsSpan(0, (int)memory.Length));
    });
    return 0;
}

if (args[0] == "seed" && args.Length == 2)
{
    Directory.CreateDirectory(args[1]);
    foreach (var (name, bytes) in SeedCorpus.Inputs())
    {
        File.WriteAllBytes(Path.Combine(args[1], name), bytes);
    }

    return 0;
}

if (args[0] == "replay")
{
    var files = args.Skip(1).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]).ToList();
    int failed = 0;
    foreach (var file in files)
    {
        try
        {
            RtasFuzzTarget.Run(File.ReadAllBytes(file));
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

Console.Error.WriteLine("usage: Spapr.Drc.Fuzz [seed <dir> | replay <file|dir>...]");
return 2;
