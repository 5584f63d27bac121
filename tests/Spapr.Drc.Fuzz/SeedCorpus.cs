namespace Spapr.Drc.Fuzz;

/// <summary>Starting inputs: Linux's acquire and release sequences, event handling and host operations, so AFL starts from valid traffic.</summary>
internal static class SeedCorpus
{
    public static IEnumerable<(string Name, byte[] Bytes)> Inputs(string target) => target switch
    {
        "snapshot" => SnapshotInputs(),
        "scenario" => ScenarioFuzzTarget.Seeds(),
        _ => RtasInputs(),
    };

    /// <summary>Valid streams of <see cref="SnapshotFuzzTarget.Machine"/> in several states: pending unplugs, timers, events, negotiation.</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> SnapshotInputs()
    {
        var cpu1 = DrcIndex.From(DrcType.Cpu, 1);
        var lmb0 = DrcIndex.From(DrcType.Lmb, 0);
        var pci = DrcIndex.From(DrcType.Pci, Stress.Infrastructure.TestMachine.PciId(0, 0x08));
        yield return ("fresh", Save(_ => { }));
        yield return ("pending", Save(r =>
        {
            r.RequestUnplug(cpu1);
            r.RequestUnplug(lmb0);
            r.RequestUnplug(pci);
        }));
        yield return ("partly-released", Save(r =>
        {
            r.RequestUnplug(lmb0);
            r.Rtas.SetIndicator(9001, lmb0.Value + 1, 0);
            r.Rtas.SetIndicator(9003, lmb0.Value + 1, 0);
            r.Rtas.SetIndicator(9001, cpu1.Value, 0);
        }));
        yield return ("timed-out-negotiated", Save(r =>
        {
            r.NegotiateClientArchitecture();
            r.RequestUnplug(cpu1);
            r.RequestUnplug(pci);
            ((Microsoft.Extensions.Time.Testing.FakeTimeProvider)r.TimeProvider).Advance(TimeSpan.FromSeconds(20));
            r.Rtas.SetIndicator(9002, pci.Value + 1, 3);
        }));
    }

    /// <summary>A saved stream behind the mode byte of <see cref="SnapshotFuzzTarget.Run"/> (3: repair checksum and length).</summary>
    private static byte[] Save(Action<DrcRegistry> arrange)
    {
        using var registry = SnapshotFuzzTarget.Machine(out _);
        arrange(registry);
        return [3, .. registry.SaveSnapshot()];
    }

    public static IEnumerable<(string Name, byte[] Bytes)> RtasInputs()
    {
        // Opcodes (first byte % 9): 0/1 configure-connector, 2 check-exception, 3 set-indicator, 4 cell forms,
        // 5 get-sensor-state, 6 acquire, 7 release, 8 host operation. Index bytes below 224 pick a connector.
        yield return ("acquire-cpu", [8, 0, 4, 6, 4, 0, 0, 2, 0, 0, 6, 4, 0, 0]);
        yield return ("hot-plug-and-event", [8, 1, 5, 2, 0, 0, 6, 5, 0, 0, 1, 5, 0, 0, 20]);
        yield return ("unplug-release", [8, 2, 1, 2, 0, 0, 7, 1, 2, 0, 0, 8, 5, 0, 0, 200]);
        yield return ("unplug-timeout", [8, 2, 1, 8, 5, 0, 0x06, 0x00, 8, 2, 1, 2, 0, 0]);
        yield return ("lmb-reject-by-configure", [8, 2, 12, 0, 12, 0, 0, 1, 12, 0, 0, 4]);
        yield return ("pci-slot", [8, 0, 20, 6, 20, 0, 0, 8, 2, 20, 7, 20, 2, 0, 0]);
        yield return ("small-work-areas", [0, 3, 170, 0, 10, 0, 5, 230, 5, 1, 12, 250, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        yield return ("cell-forms", [4, 0x0C, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0x4A, 3, 0, 4, 0xFF, 3, 0, 5, 0, 3]);
        yield return ("negotiate-reset", [8, 6, 0, 8, 0x86, 0, 8, 1, 5, 2, 64, 0, 2, 192, 0x10, 0, 0, 0, 0]);
    }
}
