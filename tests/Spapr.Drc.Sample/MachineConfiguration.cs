namespace Spapr.Drc.Sample;

/// <summary>
/// What a machine is built from: its fixed topology (which connectors exist) and the devices present when it starts.
/// The same configuration always builds the same connectors, which is what a migration destination needs: it is
/// started from the source's configuration plus every device hot-plugged since, as libvirt starts QEMU's destination
/// with one <c>-device</c> per device present (<see cref="Machine.CurrentConfiguration"/>).
/// </summary>
public sealed record MachineConfiguration
{
    /// <summary>The LMB size, 256 MiB: LMB connector id = guest physical address / LMB size (SPEC section 1).</summary>
    public const ulong LmbSize = 256UL << 20;

    private readonly IReadOnlyList<MachineDevice>? _devices;

    /// <summary>vCPU threads running the guest.</summary>
    public int Vcpus { get; init; } = 2;

    /// <summary>Hardware threads per core: a core's CPU connector id is the vCPU id of its first thread (0, 4, 8, ...).</summary>
    public int ThreadsPerCore { get; init; } = 4;

    /// <summary>The most CPU cores the machine can have: one CPU connector each.</summary>
    public int MaxCpuCores { get; init; } = 6;

    /// <summary>Boot memory; hot-pluggable memory (the LMB connectors) starts right above it, as QEMU places it for <c>-m 2G</c>.</summary>
    public ulong BootMemory { get; init; } = 2UL << 30;

    /// <summary>Hot-pluggable memory, in LMBs: one LMB connector each.</summary>
    public int HotplugLmbs { get; init; } = 32;

    /// <summary>The PCI host bridges.</summary>
    public IReadOnlyList<HostBridgeConfiguration> HostBridges { get; init; } = [new(0, Slots: 4), new(1, Slots: 2)];

    /// <summary>
    /// The part of guest RAM the toy actually backs with bytes: the bottom of boot memory, where the guest keeps its
    /// RTAS argument buffers, work areas and error-log buffers. The rest of guest memory is never touched by RTAS.
    /// </summary>
    public int BackedRam { get; init; } = 1 << 20;

    /// <summary>
    /// Devices present at start, cold-plugged. By default the boot core, a 1 GiB DIMM at the start of hot-pluggable
    /// memory and the first host bridge.
    /// </summary>
    public IReadOnlyList<MachineDevice> Devices
    {
        get => _devices ??
        [
            new("core0", DeviceKind.CpuCore, CpuConnector(0)),
            new("dimm0", DeviceKind.Dimm, DrcIndex.From(DrcType.Lmb, FirstLmbId), LmbCount: 4),
            new("phb0", DeviceKind.HostBridge, HostBridges[0].Connector),
        ];
        init => _devices = value;
    }

    /// <summary>The id of the first LMB connector.</summary>
    public uint FirstLmbId => (uint)(BootMemory / LmbSize);

    /// <summary>The CPU connector of core <paramref name="core"/> (0-based).</summary>
    public DrcIndex CpuConnector(int core) => DrcIndex.From(DrcType.Cpu, (uint)(core * ThreadsPerCore));

    /// <summary>The same topology with other devices present.</summary>
    public MachineConfiguration WithDevices(IEnumerable<MachineDevice> devices) => this with { Devices = [.. devices] };
}
