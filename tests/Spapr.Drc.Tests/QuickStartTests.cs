using System.Buffers.Binary;
using Spapr.Drc;

namespace Spapr.Drc.Tests;

/// <summary>The README's quick start, compiled and run: if this test changes, update README.md with it.</summary>
public sealed class QuickStartTests
{
    [Fact]
    public void QuickStart_HotPlugAcquireAndUnplugCpu_CompletesUnplug()
    {
        // --- README quick start begins ---
        using var machine = new DrcRegistry();          // one per machine; TimeProvider.System by default
        var log = new List<string>();
        machine.CreateConnectors(DrcType.Cpu, 0, 4);    // "CPU 0" .. "CPU 3", indexes 0x10000000 ..
        machine.Attach(DrcIndex.From(DrcType.Cpu, 0), "core0", null, PlugMode.Cold);

        var cpu1 = DrcIndex.From(DrcType.Cpu, 1);
        var fragment = new DeviceTreeNode("PowerPC,POWER9@1")
            .Add(DeviceTreeProperty.FromString("device_type", "cpu"))
            .Add(DeviceTreeProperty.FromCells("reg", 1));
        machine.UnplugCompleted += (_, e) => log.Add($"{e.Name} released ({e.Outcome})");
        machine.Attach(cpu1, "core1", fragment, PlugMode.Hot);  // queues an Add event for the guest

        // The guest's RTAS calls, forwarded by the emulator:
        var rtas = machine.Rtas;
        rtas.SetIndicator((uint)RtasIndicator.Allocation, cpu1.Value, 1);  // usable
        rtas.SetIndicator((uint)RtasIndicator.Isolation, cpu1.Value, 1);   // unisolate
        var workArea = new byte[DrcRtas.WorkAreaSize];
        BinaryPrimitives.WriteUInt32BigEndian(workArea, cpu1.Value);
        while (rtas.ConfigureConnector(workArea) != ConfigureConnectorStatus.Success)
        {
        }

        var result = machine.RequestUnplug(cpu1);  // Requested: Remove event queued, 15 s timeout armed
        rtas.SetIndicator((uint)RtasIndicator.Isolation, cpu1.Value, 0);   // the guest isolates...
        rtas.SetIndicator((uint)RtasIndicator.Allocation, cpu1.Value, 0);  // ...and releases: UnplugCompleted
        // --- README quick start ends ---

        result.Status.Should().Be(UnplugRequestStatus.Requested);
        result.TimeRemaining.Should().Be(TimeSpan.FromSeconds(15));
        log.Should().Equal("CPU 1 released (Completed)");
        machine[cpu1].Device.Should().BeNull();
        machine[cpu1].State.Should().Be(DrcState.LogicalUnusable);
        machine.GetQueuedEvents().Select(e => e.Action).Should().Equal(HotplugAction.Add, HotplugAction.Remove);
    }
}
