using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;
using Spapr.Drc;

namespace Spapr.Drc.Sample;

/// <summary>
/// The package README's other examples, one method each: the README shows each method's body, and
/// <c>PackageReadmeTests</c> fails when they differ, and runs them.
/// </summary>
public static class ReadmeExamples
{
    public static void UnplugTimeouts()
    {
        // FakeTimeProvider moves time by hand: package Microsoft.Extensions.TimeProvider.Testing.
        var clock = new FakeTimeProvider();
        using var registry = new DrcRegistry(new DrcOptions { TimeoutPolicy = UnplugTimeoutPolicy.KeepPending }, clock);
        registry.UnplugTimedOut += (_, e) => Console.WriteLine($"request {e.RequestId}: {e.Outcome}, terminal {e.IsTerminal}");
        registry.UnplugCancelled += (_, e) => Console.WriteLine($"request {e.RequestId}: {e.Outcome}, terminal {e.IsTerminal}");
        registry.CreateConnectors(DrcType.Lmb, 8, 4);                         // LMB 8 .. LMB 11: 1 GiB at 2 GiB
        var lmb8 = DrcIndex.From(DrcType.Lmb, 8);
        registry.AttachMemoryDevice(lmb8, 4, "dimm0", fragmentFor: null, PlugMode.Cold);

        var request = registry.RequestUnplug(lmb8, TimeSpan.FromSeconds(30)); // one Remove event for LMB 8-11
        Console.WriteLine($"{request.Status}, request {request.RequestId}");  // Requested, request 1
        registry.Rtas.SetIndicator(RtasIndicator.Isolation, lmb8, 0);         // the guest offlines LMB 8
        registry.Rtas.SetIndicator(RtasIndicator.Allocation, lmb8, 0);        // and gives it back; 9-11 stay
        clock.Advance(TimeSpan.FromSeconds(10));
        Console.WriteLine(registry.RequestUnplug(lmb8).Message);              // still pending, 20 seconds timeout remaining
        clock.Advance(TimeSpan.FromSeconds(20));                              // request 1: TimedOut, terminal False
        Console.WriteLine(registry.GetPendingUnplugs()[0]);                   // why it is still pending, in one sentence
        Console.WriteLine(registry.RequestUnplug(lmb8).Status);               // Retried: a Remove event for LMB 9-11
        registry.CancelUnplug(lmb8);                                          // request 1: Cancelled, terminal True
    }

    public static void Migration()
    {
        // The source: a DIMM whose removal the guest has done halfway.
        using var source = new DrcRegistry();
        source.CreateConnectors(DrcType.Lmb, 8, 4);
        var lmb8 = DrcIndex.From(DrcType.Lmb, 8);
        source.AttachMemoryDevice(lmb8, 4, "dimm0", fragmentFor: null, PlugMode.Cold);
        source.RequestUnplug(lmb8);
        source.Rtas.SetIndicator(RtasIndicator.Isolation, lmb8, 0);
        source.Rtas.SetIndicator(RtasIndicator.Allocation, lmb8, 0);
        byte[] snapshot = source.SaveSnapshot();                              // travels with RAM and device state

        // The destination: the same connectors, the same devices attached whole by cold plug, then the snapshot.
        using var destination = new DrcRegistry();
        destination.CreateConnectors(DrcType.Lmb, 8, 4);
        var dimm = destination.AttachMemoryDevice(lmb8, 4, "dimm0", fragmentFor: null, PlugMode.Cold);
        destination.LoadSnapshot(snapshot);                                   // or DrcSnapshotException, nothing changed
        Console.WriteLine(string.Join(" ", dimm.HeldConnectors));             // 0x80000009 0x8000000A 0x8000000B
        Console.WriteLine(destination.GetPendingUnplugs()[0].RequestId);      // 1: the same request goes on
    }

    public static void DeviceTree()
    {
        using var registry = new DrcRegistry();
        registry.CreateConnectors(DrcType.Cpu, 0, 2);
        var phb0 = registry.CreateConnector(DrcType.Phb, 0).Index;
        registry.CreateConnectors(DrcType.Pci, 0, 1, owner: phb0);            // a slot of PHB 0

        // ibm,drc-indexes, -power-domains, -names and -types: a big-endian count, then one entry per connector.
        var cpus = registry.GetDeviceTreeProperties(DrcTypeMask.Cpu);        // for /cpus
        var slots = registry.GetDeviceTreeProperties(DrcTypeMask.Pci, owner: phb0);  // for PHB 0's node
        Console.WriteLine(BinaryPrimitives.ReadUInt32BigEndian(cpus.Indexes.Span));  // 2
        Console.WriteLine(BinaryPrimitives.ReadUInt32BigEndian(slots.Indexes.Span)); // 1

        // /rtas: one property per call the dispatcher serves, holding its token.
        var dispatcher = new RtasDispatcher(registry, new GuestMemory(4096));
        foreach (var property in dispatcher.Tokens.GetDeviceTreeProperties())
        {
            Console.WriteLine($"{property.Name} = 0x{BinaryPrimitives.ReadUInt32BigEndian(property.Value.Span):x}");
        }
    }
}
