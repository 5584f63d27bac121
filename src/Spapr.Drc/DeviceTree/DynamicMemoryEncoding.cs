using System.Buffers.Binary;

namespace Spapr.Drc;

/// <summary>
/// The byte layouts of <c>ibm,dynamic-reconfiguration-memory</c> and an LMB's <c>memory@</c> node, as QEMU 7.2 writes
/// them (hw/ppc/spapr.c, hw/ppc/spapr_numa.c; PAPR's dynamic reconfiguration memory). Every value is big-endian.
/// </summary>
internal static class DynamicMemoryEncoding
{
    // Per-LMB flags of ibm,dynamic-memory and of each ibm,dynamic-memory-v2 set.
    public const uint FlagAssigned = 0x08;
    public const uint FlagDrcInvalid = 0x20;
    public const uint FlagReserved = 0x80;
    public const uint FlagHotRemovable = 0x100;

    /// <summary>The associativity index of memory no device holds: no entry of the lookup arrays.</summary>
    public const uint NoAssociativity = 0xFFFF_FFFF;

    /// <summary><c>ibm,memory-flags-mask</c>: the flag bits the guest may rely on (QEMU: the low byte).</summary>
    public const uint MemoryFlagsMask = 0xFF;

    /// <summary><c>ibm,memory-preservation-time</c>: QEMU preserves no memory across a reboot.</summary>
    public const uint MemoryPreservationTime = 0;

    /// <summary>One v2 set: u32 LMB count, u64 base address, u32 first DRC index, u32 associativity index, u32 flags.</summary>
    public const int V2SetSize = 24;

    /// <summary>One v1 entry: u64 address (two cells), u32 DRC index, u32 reserved 0, u32 associativity index, u32 flags.</summary>
    public const int V1EntrySize = 24;

    /// <summary>FORM1 lists four domains (distance reference points), FORM2 only the node.</summary>
    public const int Form1Domains = 4;

    /// <summary>The boot memory's flags: reserved, and no connector behind it.</summary>
    public const uint BootFlags = FlagReserved | FlagDrcInvalid;

    /// <summary>A v2 set's flags for LMBs holding a device: QEMU marks DIMM memory assigned and hot-removable.</summary>
    public const uint HeldSetFlags = FlagAssigned | FlagHotRemovable;

    public static byte[] U64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>
    /// <c>ibm,dynamic-memory-v2</c>: u32 set count, then the sets. The boot memory is one reserved set (DRC index 0);
    /// after it, one set per run of consecutive LMB connectors that hold the same device (flags assigned and
    /// hot-removable, the device's node as associativity index) or that hold none (flags 0, no associativity).
    /// </summary>
    public static byte[] DynamicMemoryV2(ReadOnlySpan<LmbView> lmbs, DynamicMemoryOptions options, uint bootLmbs)
    {
        var sets = new List<(uint Count, ulong Base, uint Index, uint Associativity, uint Flags)>();
        if (bootLmbs > 0)
        {
            sets.Add((bootLmbs, 0, 0, NoAssociativity, BootFlags));
        }

        for (int i = 0; i < lmbs.Length; i++)
        {
            var lmb = lmbs[i];
            if (i > 0 && Continues(lmbs[i - 1], lmb))
            {
                sets[^1] = sets[^1] with { Count = sets[^1].Count + 1 };
                continue;
            }

            bool held = lmb.Holder is not null;
            sets.Add((1, options.AddressOf(lmb.Index), lmb.Index.Value, held ? lmb.Node : NoAssociativity, held ? HeldSetFlags : 0));
        }

        var bytes = new byte[4 + (sets.Count * V2SetSize)];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)sets.Count);
        int at = 4;
        foreach (var set in sets)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span[at..], set.Count);
            BinaryPrimitives.WriteUInt64BigEndian(span[(at + 4)..], set.Base);
            BinaryPrimitives.WriteUInt32BigEndian(span[(at + 12)..], set.Index);
            BinaryPrimitives.WriteUInt32BigEndian(span[(at + 16)..], set.Associativity);
            BinaryPrimitives.WriteUInt32BigEndian(span[(at + 20)..], set.Flags);
            at += V2SetSize;
        }

        return bytes;
    }

    /// <summary>
    /// <c>ibm,dynamic-memory</c> (v1): u32 entry count, then one entry per LMB: each boot LMB reserved (DRC index 0),
    /// then each LMB connector. v1 has no hot-removable flag: QEMU marks present memory assigned only.
    /// </summary>
    public static byte[] DynamicMemoryV1(ReadOnlySpan<LmbView> lmbs, DynamicMemoryOptions options, uint bootLmbs)
    {
        long count = (long)bootLmbs + lmbs.Length;
        if ((count * V1EntrySize) + 4 > Array.MaxLength)
        {
            throw new ArgumentException($"ibm,dynamic-memory would list {count} LMBs; use ibm,dynamic-memory-v2 or a larger LMB size.", nameof(options));
        }

        var bytes = new byte[4 + (count * V1EntrySize)];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)count);
        int at = 4;
        for (uint i = 0; i < bootLmbs; i++)
        {
            WriteV1(span[at..], i * options.LmbSize, 0, NoAssociativity, BootFlags);
            at += V1EntrySize;
        }

        foreach (var lmb in lmbs)
        {
            bool held = lmb.Holder is not null;
            WriteV1(span[at..], options.AddressOf(lmb.Index), lmb.Index.Value, held ? lmb.Node : NoAssociativity, held ? FlagAssigned : 0);
            at += V1EntrySize;
        }

        return bytes;
    }

    /// <summary>
    /// <c>ibm,associativity-lookup-arrays</c>: u32 array count (one per NUMA node), u32 entries per array, then each
    /// node's associativity list without its leading length: FORM2 <c>{node}</c>, FORM1 <c>{0, 0, 0, node}</c> (the
    /// domains QEMU derives from its default distances, local 10 and remote 20).
    /// </summary>
    public static byte[] LookupArrays(DynamicMemoryOptions options)
    {
        int nodes = options.NumaNodeCount;
        int perNode = options.Form2Affinity ? 1 : Form1Domains;
        var cells = new uint[2 + (nodes * perNode)];
        cells[0] = (uint)nodes;
        cells[1] = (uint)perNode;
        for (int node = 0; node < nodes; node++)
        {
            // The node id is the last domain; the higher domains stay 0 (node 0's), as QEMU's default distances give.
            cells[2 + (node * perNode) + perNode - 1] = (uint)node;
        }

        return Cells(cells);
    }

    /// <summary><c>ibm,associativity</c> of memory on a node: its length, then FORM2 <c>{node}</c> or FORM1 <c>{0, 0, 0, node}</c>.</summary>
    public static byte[] Associativity(DynamicMemoryOptions options, uint node) =>
        options.Form2Affinity ? Cells([1, node]) : Cells([Form1Domains, 0, 0, 0, node]);

    /// <summary><c>reg</c> of a memory node: u64 address, u64 size (two address and two size cells).</summary>
    public static byte[] Reg(ulong address, ulong size)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, address);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), size);
        return bytes;
    }

    private static bool Continues(LmbView previous, LmbView current) =>
        current.Index.Value == previous.Index.Value + 1 && ReferenceEquals(previous.Holder, current.Holder);

    private static void WriteV1(Span<byte> entry, ulong address, uint index, uint associativity, uint flags)
    {
        BinaryPrimitives.WriteUInt64BigEndian(entry, address);
        BinaryPrimitives.WriteUInt32BigEndian(entry[8..], index);
        BinaryPrimitives.WriteUInt32BigEndian(entry[12..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(entry[16..], associativity);
        BinaryPrimitives.WriteUInt32BigEndian(entry[20..], flags);
    }

    private static byte[] Cells(ReadOnlySpan<uint> cells)
    {
        var bytes = new byte[cells.Length * 4];
        for (int i = 0; i < cells.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 4), cells[i]);
        }

        return bytes;
    }
}
