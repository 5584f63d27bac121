using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.DeviceTree;

/// <summary>
/// A registry shaped like the real guest's machine (<c>-m 2048M,slots=4,maxmem=8192M -smp 1,maxcpus=4</c>): 4 CPU
/// connectors, the 24 LMBs of the hot-pluggable region (ids 8 to 31, from 2 GiB), 4 PMEM connectors, and the
/// dynamic-memory options of that machine (device memory at 2 GiB, 256 MiB LMBs, what Linux 6.1 negotiates).
/// Memory devices are <see cref="Dimm"/>s, each LMB with the fragment <see cref="DynamicReconfigurationMemory.LmbFragment"/> makes.
/// </summary>
internal sealed class QemuMemoryMachine : IDisposable
{
    public const uint FirstLmbId = 8;
    public const int LmbCount = 24;
    public const ulong DeviceMemoryBase = 0x8000_0000;

    public QemuMemoryMachine(DynamicMemoryOptions? options = null)
    {
        Options = options ?? new DynamicMemoryOptions(DeviceMemoryBase) { NumaNodeOf = d => ((Dimm)d).Node };
        Machine = new Machine();
        Registry.CreateConnectors(DrcType.Cpu, 0, 4);
        Registry.CreateConnectors(DrcType.Lmb, FirstLmbId, LmbCount);
        Registry.CreateConnectors(DrcType.Pmem, 0, 4);
    }

    public Machine Machine { get; }

    public DrcRegistry Registry => Machine.Registry;

    public DynamicMemoryOptions Options { get; set; }

    public static DrcIndex Lmb(uint id) => DrcIndex.From(DrcType.Lmb, id);

    /// <summary>Attaches a DIMM of <paramref name="lmbs"/> LMBs from LMB <paramref name="firstId"/>.</summary>
    public AttachedDevice Plug(string name, uint firstId, int lmbs, PlugMode mode, uint node = 0)
    {
        var dimm = new Dimm(name, node);
        return Registry.AttachMemoryDevice(Lmb(firstId), lmbs, dimm, i => DynamicReconfigurationMemory.LmbFragment(Options, i, node), mode);
    }

    /// <summary>Linux's add: every LMB of the device acquired and configured, in order.</summary>
    public void GuestAdd(AttachedDevice device)
    {
        foreach (var lmb in device.Connectors)
        {
            Machine.Acquire(lmb);
        }
    }

    /// <summary>The host's unplug request, then Linux's release of the first <paramref name="lmbs"/> LMBs of the device (all by default).</summary>
    public void UnplugAndRelease(AttachedDevice device, int? lmbs = null)
    {
        Registry.RequestUnplug(device.Index, Timeout.InfiniteTimeSpan).Status.Should().Be(UnplugRequestStatus.Requested);
        foreach (var lmb in device.Connectors.Take(lmbs ?? device.Connectors.Length))
        {
            Machine.GuestRelease(lmb);
        }
    }

    public DeviceTreeNode Build() => DynamicReconfigurationMemory.Build(Registry, Options);

    /// <summary>One property of the built node.</summary>
    public byte[] Property(string name) => Build().Properties.Single(p => p.Name == name).Value.ToArray();

    public void Dispose() => Machine.Dispose();

    /// <summary>The emulator's memory device: a name and the NUMA node it sits on.</summary>
    public sealed record Dimm(string Name, uint Node)
    {
        public override string ToString() => Name;
    }
}
