using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Spapr.Drc;

/// <summary>
/// The class table: every per-type fact of SPEC sections 1-6 in one row per connector type. Everything else reads
/// these rows; no other code switches on or compares a <see cref="DrcType"/> or a <see cref="DrcClass"/>.
/// </summary>
internal sealed class DrcKind
{
    // Indexed by the type nibble; null for nibbles no connector may have (0, Vio 3, 5-7, 10-15).
    private static readonly DrcKind?[] ByNibble = BuildTable();

    private DrcKind(DrcType type, int ordinal, DrcClassRules rules, string namePrefix, string deviceTreeType, HotplugType hotplugType)
    {
        Type = type;
        Ordinal = ordinal;
        Rules = rules;
        NamePrefix = namePrefix;
        DeviceTreeType = deviceTreeType;
        HotplugType = hotplugType;
    }

    /// <summary>The number of connector types (rows).</summary>
    public const int Count = 5;

    /// <summary>The rows in type order: CPU, PHB, PCI, LMB, PMEM.</summary>
    public static IReadOnlyList<DrcKind> All { get; } = [.. ByNibble.Where(k => k is not null).Select(k => k!)];

    public DrcType Type { get; }

    /// <summary>0 .. <see cref="Count"/> - 1: the row's position, for per-type arrays (timeouts).</summary>
    public int Ordinal { get; }

    /// <summary>The index type shift (SPEC section 1): the type's value.</summary>
    public int Shift => (int)Type;

    /// <summary>The type mask bit, <c>1 &lt;&lt; shift</c>.</summary>
    public DrcTypeMask Mask => (DrcTypeMask)(1u << Shift);

    /// <summary>Logical or physical, with everything that follows from it.</summary>
    public DrcClassRules Rules { get; }

    /// <summary>The prefix of a connector's <c>ibm,drc-names</c> entry: "CPU ", "PHB ", "C", "LMB ", "PMEM ".</summary>
    public string NamePrefix { get; }

    /// <summary>The <c>ibm,drc-types</c> string: CPU, PHB, 28, MEM, PMEM.</summary>
    public string DeviceTreeType { get; }

    /// <summary>The hotplug event type of the RTAS event log: CPU 1, memory 2, PHB 4, PCI 5, PMEM 6.</summary>
    public HotplugType HotplugType { get; }

    /// <summary>The unplug timeout when the options do not set one (SPEC section 6): CPU 15 s, the others none.</summary>
    public TimeSpan DefaultTimeout { get; private init; } = Timeout.InfiniteTimeSpan;

    /// <summary>A device may span several consecutive connectors of this type (a memory device over its LMBs).</summary>
    public bool DeviceSpansConnectors { get; private init; }

    /// <summary>
    /// Functions per slot when the connectors of one slot travel together (PCI: 8, keyed on function 0); 0 otherwise.
    /// An unplug of function 0 covers every function present in its slot.
    /// </summary>
    public int FunctionsPerSlot { get; private init; }

    /// <summary>Releasing the device removes the connectors this one owns (a PHB takes its PCI slots along).</summary>
    public bool ReleaseRemovesOwnedConnectors { get; private init; }

    /// <summary>A repeated request without a timeout re-sends the Remove event (upstream QEMU's CPU retry); other types answer "in progress".</summary>
    public bool RepeatResendsRemove { get; private init; }

    /// <summary>The guest may not isolate a configured connector the host did not ask for (LMB: -1).</summary>
    public bool GuestIsolateNeedsRequest { get; private init; }

    /// <summary>Configure-connector on a connector with a pending unplug rejects the unplug (older kernels' LMB signal).</summary>
    public bool ReconfigureRejectsUnplug { get; private init; }

    /// <summary>Hotplug events name runs of connectors (count-indexed; an Add by count until the guest negotiates) instead of one index.</summary>
    public bool EventsNameRuns { get; private init; }

    /// <summary>The types whose connectors may own one of this type (PCI: a PHB, or a PCI bridge's connector).</summary>
    public DrcTypeMask AllowedOwners { get; private init; }

    /// <summary>One device of this type is the boot device, which may not be unplugged (<see cref="DrcOptions.BootCpuId"/>).</summary>
    public bool HasBootDevice { get; private init; }

    /// <summary>The row of a type.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Vio or an unknown type.</exception>
    public static DrcKind Of(DrcType type) => TryOf(type, out var kind)
        ? kind
        : throw new ArgumentOutOfRangeException(nameof(type), type, WhyNoConnector(type));

    /// <summary>Why a type has no row: Vio is reserved (SPEC section 1), any other value is no type at all.</summary>
    public static string WhyNoConnector(DrcType type) => Enum.IsDefined(type)
        ? $"{type} connectors are reserved: no connector of this type may be created."
        : $"Unknown connector type {(int)type}.";

    /// <summary>The row of an index (whose type was validated when it was made).</summary>
    public static DrcKind Of(DrcIndex index) => ByNibble[index.Value >> 28] ?? throw new ArgumentOutOfRangeException(nameof(index), index, "The index names no connector type.");

    public static bool TryOf(DrcType type, [NotNullWhen(true)] out DrcKind? kind)
    {
        kind = (uint)type < (uint)ByNibble.Length ? ByNibble[(int)type] : null;
        return kind is not null;
    }

    public static bool TryOfNibble(uint nibble, [NotNullWhen(true)] out DrcKind? kind)
    {
        kind = nibble < (uint)ByNibble.Length ? ByNibble[nibble] : null;
        return kind is not null;
    }

    /// <summary>A connector's name: the prefix and the decimal id, e.g. "CPU 8", "C32".</summary>
    public string NameOf(uint id) => NamePrefix + id.ToString(CultureInfo.InvariantCulture);

    /// <summary>The name of any index; "connector 0x..." for one that names no type (only <c>default</c>).</summary>
    public static string NameOf(DrcIndex index) =>
        TryOfNibble(index.Value >> 28, out var kind) ? kind.NameOf(index.Id) : "connector " + index.ToString();

    private static DrcKind?[] BuildTable()
    {
        var table = new DrcKind?[16];
        table[(int)DrcType.Cpu] = new(DrcType.Cpu, 0, DrcClassRules.Logical, "CPU ", "CPU", HotplugType.Cpu)
        {
            DefaultTimeout = DrcOptions.DefaultCpuUnplugTimeout,
            RepeatResendsRemove = true,
            HasBootDevice = true,
        };
        table[(int)DrcType.Phb] = new(DrcType.Phb, 1, DrcClassRules.Logical, "PHB ", "PHB", HotplugType.Phb)
        {
            ReleaseRemovesOwnedConnectors = true,
        };
        table[(int)DrcType.Pci] = new(DrcType.Pci, 2, DrcClassRules.Physical, "C", "28", HotplugType.Pci)
        {
            FunctionsPerSlot = 8,
            AllowedOwners = DrcTypeMask.Phb | DrcTypeMask.Pci,
        };
        table[(int)DrcType.Lmb] = new(DrcType.Lmb, 3, DrcClassRules.Logical, "LMB ", "MEM", HotplugType.Memory)
        {
            DefaultTimeout = DrcOptions.DefaultMemoryUnplugTimeout,
            DeviceSpansConnectors = true,
            GuestIsolateNeedsRequest = true,
            ReconfigureRejectsUnplug = true,
            EventsNameRuns = true,
        };
        table[(int)DrcType.Pmem] = new(DrcType.Pmem, 4, DrcClassRules.Logical, "PMEM ", "PMEM", HotplugType.Pmem)
        {
            DefaultTimeout = DrcOptions.DefaultMemoryUnplugTimeout,
        };
        return table;
    }
}
