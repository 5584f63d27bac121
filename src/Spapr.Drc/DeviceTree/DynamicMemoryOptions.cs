namespace Spapr.Drc;

/// <summary>
/// What <see cref="DynamicReconfigurationMemory"/> needs beyond the registry: the machine's memory layout and NUMA
/// placement, and what the guest negotiated at client-architecture-support. LMB connector ids follow SPEC section 1's
/// convention, as QEMU's do: an LMB's guest physical address is its id times <see cref="LmbSize"/>.
/// </summary>
public sealed class DynamicMemoryOptions
{
    /// <summary>QEMU's LMB size, 256 MiB (SPEC section 1).</summary>
    public const ulong DefaultLmbSize = 0x1000_0000;

    // An LMB id is below 2^28; with LMBs of at most 2^36 bytes every LMB address fits in 64 bits.
    private const ulong MaxLmbSize = 1UL << 36;
    private const ulong MinLmbSize = 1UL << 12;

    private readonly ulong _lmbSize = DefaultLmbSize;
    private readonly int _numaNodeCount = 1;

    /// <summary>Creates the options for a machine whose hot-pluggable memory starts at <paramref name="deviceMemoryBase"/>.</summary>
    /// <param name="deviceMemoryBase">
    /// The guest physical address of the first hot-pluggable LMB: the boot memory and the gap up to this address are
    /// listed as one reserved set without a connector (QEMU 7.2 puts its device memory at the boot memory rounded up to
    /// 1 GiB: 0x8000_0000 for <c>-m 2G</c>). A multiple of <see cref="LmbSize"/>.
    /// </param>
    public DynamicMemoryOptions(ulong deviceMemoryBase) => DeviceMemoryBase = deviceMemoryBase;

    /// <summary>The guest physical address where the hot-pluggable LMBs start; everything below is boot memory.</summary>
    public ulong DeviceMemoryBase { get; }

    /// <summary>The size of one LMB, <c>ibm,lmb-size</c>: a power of two from 4 KiB to 64 GiB; default 256 MiB.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a power of two in that range.</exception>
    public ulong LmbSize
    {
        get => _lmbSize;
        init
        {
            if (value < MinLmbSize || value > MaxLmbSize || (value & (value - 1)) != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The LMB size must be a power of two from 4 KiB to 64 GiB.");
            }

            _lmbSize = value;
        }
    }

    /// <summary>The number of NUMA nodes of the machine (at least 1): one entry each in <c>ibm,associativity-lookup-arrays</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int NumaNodeCount
    {
        get => _numaNodeCount;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _numaNodeCount = value;
        }
    }

    /// <summary>
    /// The NUMA node of a memory device, given the emulator's device object (<see cref="AttachedDevice.Device"/>);
    /// <see langword="null"/> puts every device on node 0. Called outside the registry lock; must return less than
    /// <see cref="NumaNodeCount"/>.
    /// </summary>
    public Func<object, uint>? NumaNodeOf { get; init; }

    /// <summary>
    /// Whether the guest negotiated <c>ibm,dynamic-memory-v2</c> (option vector 5 byte 22 bit 0x80, as Linux 6.1 does):
    /// the node then carries the v2 property, else the v1 <c>ibm,dynamic-memory</c>. Default <see langword="true"/>.
    /// </summary>
    public bool DynamicMemoryV2 { get; init; } = true;

    /// <summary>
    /// Whether the guest negotiated FORM2 NUMA affinity (option vector 5 byte 5 bit 0x20, as Linux 6.1 does): associativity
    /// lists are then <c>{1, node}</c>, else FORM1's <c>{4, 0, 0, 0, node}</c>, the domains QEMU derives from its default
    /// NUMA distances (local 10, remote 20; other distances are not modelled). Default <see langword="true"/>.
    /// </summary>
    public bool Form2Affinity { get; init; } = true;

    /// <summary>The guest physical address of an LMB: its id times <see cref="LmbSize"/>.</summary>
    internal ulong AddressOf(DrcIndex lmb) => lmb.Id * LmbSize;
}
