using System.Buffers.Binary;
using Spapr.Drc;

namespace Spapr.Drc.Sample;

/// <summary>
/// The package README's quick start: a cut-down <see cref="Machine"/> in one method. The README shows this method's
/// body and <see cref="GuestMemory"/>; <c>PackageReadmeTests</c> fails when they differ, and runs the method.
/// </summary>
public static class QuickStart
{
    public static void Run()
    {
        // One registry per machine. Its clock stands still while the emulator pauses the guest.
        var clock = new PausableTimeProvider(TimeProvider.System);
        using var registry = new DrcRegistry(timeProvider: clock);
        registry.CreateConnectors(DrcType.Cpu, 0, 4);                       // CPU 0 .. CPU 3
        registry.Attach(DrcIndex.From(DrcType.Cpu, 0), "core0", null, PlugMode.Cold);
        registry.UnplugCompleted += (_, e) => Console.WriteLine($"request {e.RequestId}: {e.Name} {e.Outcome}");

        // Guest RAM and the dispatcher the emulator's h_rtas hypercall calls with the guest's buffer address.
        var ram = new GuestMemory(64 * 1024);
        var dispatcher = new RtasDispatcher(registry, ram);                 // QEMU's RTAS tokens
        const ulong Args = 0x1000, ErrorLog = 0x2000, WorkArea = 0x3000;

        // What the guest's rtas_call() does: big-endian cells token, nargs, nret, args, rets; h_rtas; read rets[0].
        int Rtas(RtasCall call, params uint[] args)
        {
            uint nret = call == RtasCall.GetSensorState ? 2u : 1u;
            uint[] cells = [dispatcher.Tokens.TokenOf(call), (uint)args.Length, nret, .. args];
            var buffer = ram.Span(Args, 4 * (cells.Length + (int)nret));
            for (int i = 0; i < cells.Length; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(buffer[(4 * i)..], cells[i]);
            }

            dispatcher.Dispatch(Args);
            return BinaryPrimitives.ReadInt32BigEndian(buffer[(4 * cells.Length)..]);
        }

        // check-exception: the guest takes the next hotplug event into its buffer.
        HotplugEventLog TakeEvent()
        {
            Rtas(RtasCall.CheckException, 0x500, 0, (uint)(RtasEventClasses.Epow | RtasEventClasses.Hotplug), 0, (uint)ErrorLog, 2048);
            return HotplugEventLog.Parse(ram.Span(ErrorLog, HotplugEventLog.Length));
        }

        // Hot plug core 1: the registry queues an Add event, and the guest acquires the core.
        var cpu1 = DrcIndex.From(DrcType.Cpu, 1);
        var node = new DeviceTreeNode("PowerPC,POWER10@1").Add(DeviceTreeProperty.FromCells("reg", 1));
        registry.Attach(cpu1, "core1", node, PlugMode.Hot);
        Console.WriteLine($"{TakeEvent().Action} {cpu1}");                  // Add 0x10000001
        Rtas(RtasCall.SetIndicator, (uint)RtasIndicator.Allocation, cpu1.Value, 1);  // usable
        Rtas(RtasCall.SetIndicator, (uint)RtasIndicator.Isolation, cpu1.Value, 1);   // unisolate
        BinaryPrimitives.WriteUInt32BigEndian(ram.Span(WorkArea, 4), cpu1.Value);
        while (Rtas(RtasCall.ConfigureConnector, (uint)WorkArea, 0) != 0)
        {
            // 2: a node name, 3: a property, 4: back up a level; 0: the core's node is complete.
        }

        // Unplug it: a Remove event, and a 15 s timeout (the CPU default) on the registry's clock.
        var request = registry.RequestUnplug(cpu1);
        Console.WriteLine($"{request.Status}, request {request.RequestId}");  // Requested, request 1
        Console.WriteLine($"{TakeEvent().Action} {cpu1}");                  // Remove 0x10000001
        Rtas(RtasCall.SetIndicator, (uint)RtasIndicator.Isolation, cpu1.Value, 0);   // isolate
        Rtas(RtasCall.SetIndicator, (uint)RtasIndicator.Allocation, cpu1.Value, 0);  // unusable: released
        // UnplugCompleted: "request 1: CPU 1 Completed"
    }
}
