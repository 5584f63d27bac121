using SharpFuzz;

namespace Spapr.Drc.Fuzz;

/// <summary>
/// Entry point. <c>&lt;target&gt;</c> runs under afl-fuzz (SharpFuzz's out-of-process fork server; outside afl-fuzz
/// it runs standard input once); <c>--replay &lt;target&gt; &lt;dir&gt;</c> runs every file of a directory in-process and
/// fails if any input fails; <c>--make-seeds &lt;target&gt; &lt;dir&gt;</c> writes valid inputs to seed a corpus.
/// </summary>
internal static class Program
{
    private static readonly IFuzzTarget[] Targets = [new RtasTarget(), new SnapshotTarget(), new ScenarioTarget()];

    private static int Main(string[] args)
    {
        switch (args)
        {
            case ["--replay", var name, var directory] when Find(name) is { } target:
                return Replay(target, directory);
            case ["--make-seeds", var name, var directory] when Find(name) is { } target:
                return MakeSeeds(target, directory);
            case ["--list"]:
                Console.WriteLine(string.Join(Environment.NewLine, Targets.Select(t => t.Name)));
                return 0;
            case [var name] when Find(name) is { } target:
                Fuzzer.OutOfProcess.Run(stream => target.Run(ReadAll(stream)));
                return 0;
            default:
                Console.Error.WriteLine("usage: Spapr.Drc.Fuzz <target> | --replay <target> <dir> | --make-seeds <target> <dir> | --list");
                Console.Error.WriteLine("targets: " + string.Join(", ", Targets.Select(t => t.Name)));
                return 2;
        }
    }

    private static IFuzzTarget? Find(string name) => Targets.FirstOrDefault(t => t.Name == name);

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static int Replay(IFuzzTarget target, string directory)
    {
        var files = Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        int failures = 0;
        int accepted = 0;
        foreach (var file in files)
        {
            try
            {
                if (target.Run(File.ReadAllBytes(file)))
                {
                    accepted++;
                }
            }
#pragma warning disable CA1031 // Replay reports every failing input instead of stopping at the first.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures++;
                Console.Error.WriteLine($"FAIL {file}: {e}");
            }
        }

        Console.WriteLine($"{target.Name}: replayed {files.Length} inputs from {directory} ({accepted} accepted, {files.Length - accepted - failures} refused as documented), {failures} failed");
        return failures == 0 && files.Length > 0 ? 0 : 1;
    }

    private static int MakeSeeds(IFuzzTarget target, string directory)
    {
        Directory.CreateDirectory(directory);
        int count = 0;
        foreach (var (name, data) in target.Seeds())
        {
            // A seed must be accepted: a refused one would only teach afl-fuzz the refusal.
            if (!target.Run(data))
            {
                throw new InvalidOperationException($"{target.Name} seed {name} was refused.");
            }

            File.WriteAllBytes(Path.Combine(directory, name), data);
            count++;
        }

        Console.WriteLine($"{target.Name}: wrote {count} seeds to {directory}");
        return 0;
    }
}
