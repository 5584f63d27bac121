using System.Globalization;
using static Spapr.Drc.DynamicMemoryEncoding;

namespace Spapr.Drc;

/// <summary>
/// What the guest reads about memory connectors, built as QEMU 7.2 builds it for the same machine: the
/// <c>ibm,dynamic-reconfiguration-memory</c> node of the device tree the emulator gives at client-architecture-support,
/// and the <c>memory@</c> node an LMB hands out through configure-connector.
/// </summary>
public static class DynamicReconfigurationMemory
{
    /// <summary>The node's name; QEMU puts it directly under the root.</summary>
    public const string NodeName = "ibm,dynamic-reconfiguration-memory";

    /// <summary>
    /// The <c>ibm,dynamic-reconfiguration-memory</c> node for the registry's LMB connectors, in QEMU's property order:
    /// <c>ibm,associativity-lookup-arrays</c>, <c>ibm,dynamic-memory-v2</c> (or v1 <c>ibm,dynamic-memory</c>, see
    /// <see cref="DynamicMemoryOptions.DynamicMemoryV2"/>), <c>ibm,memory-preservation-time</c> 0,
    /// <c>ibm,memory-flags-mask</c> 0xFF and <c>ibm,lmb-size</c>. An LMB is assigned while it holds its device; the
    /// LMBs a device's removal already released are not, so the node is right at any moment, not only at boot.
    /// QEMU leaves the node out when the machine has no hot-pluggable memory (no LMB connectors); so should the emulator.
    /// </summary>
    /// <param name="registry">The machine's connectors; only its LMB connectors are read.</param>
    /// <param name="options">The memory layout, NUMA placement and what the guest negotiated.</param>
    /// <returns>A new node; its properties are the guest's bytes, big-endian.</returns>
    /// <exception cref="ArgumentException">
    /// <see cref="DynamicMemoryOptions.DeviceMemoryBase"/> is not a multiple of the LMB size, or an LMB connector lies
    /// below it.
    /// </exception>
    /// <exception cref="InvalidOperationException"><see cref="DynamicMemoryOptions.NumaNodeOf"/> named a node the machine does not have.</exception>
    /// <exception cref="ObjectDisposedException">The registry is disposed.</exception>
    public static DeviceTreeNode Build(DrcRegistry registry, DynamicMemoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        uint bootLmbs = BootLmbs(options);
        var lmbs = ReadLmbs(registry, options);

        // QEMU sets these in the opposite order, and libfdt inserts each new property ahead of the node's others.
        var memoryProperty = options.DynamicMemoryV2
            ? new DeviceTreeProperty("ibm,dynamic-memory-v2", DynamicMemoryV2(lmbs, options, bootLmbs))
            : new DeviceTreeProperty("ibm,dynamic-memory", DynamicMemoryV1(lmbs, options, bootLmbs));
        return new DeviceTreeNode(NodeName)
            .Add(new DeviceTreeProperty("ibm,associativity-lookup-arrays", LookupArrays(options)))
            .Add(memoryProperty)
            .Add(DeviceTreeProperty.FromCells("ibm,memory-preservation-time", MemoryPreservationTime))
            .Add(DeviceTreeProperty.FromCells("ibm,memory-flags-mask", MemoryFlagsMask))
            .Add(new DeviceTreeProperty("ibm,lmb-size", U64(options.LmbSize)));
    }

    /// <summary>
    /// The node an LMB hands out through configure-connector, to pass as the LMB's fragment to
    /// <see cref="DrcRegistry.AttachMemoryDevice"/>: <c>memory@&lt;address in hex&gt;</c> with, in QEMU's order,
    /// <c>ibm,associativity</c> (the node's list, see <see cref="DynamicMemoryOptions.Form2Affinity"/>), <c>reg</c>
    /// (u64 address, u64 LMB size) and <c>device_type</c> "memory". Linux takes only the associativity from it.
    /// Beyond QEMU: QEMU 7.2 computes the address from the whole DRC index instead of the id
    /// (<c>memory@800000080000000</c> for the LMB at 2 GiB); this node has the LMB's real address.
    /// </summary>
    /// <param name="options">The LMB size and the NUMA affinity form the guest negotiated.</param>
    /// <param name="lmb">The LMB connector's index.</param>
    /// <param name="numaNode">The NUMA node of the memory device the LMB belongs to.</param>
    /// <returns>A new node with three properties and no children.</returns>
    /// <exception cref="ArgumentException"><paramref name="lmb"/> is not an LMB index.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numaNode"/> is not below <see cref="DynamicMemoryOptions.NumaNodeCount"/>.</exception>
    public static DeviceTreeNode LmbFragment(DynamicMemoryOptions options, DrcIndex lmb, uint numaNode)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!IsLmb(lmb))
        {
            throw new ArgumentException($"{lmb} is not an LMB connector index.", nameof(lmb));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(numaNode, (uint)options.NumaNodeCount);
        ulong address = options.AddressOf(lmb);
        return new DeviceTreeNode(string.Create(CultureInfo.InvariantCulture, $"memory@{address:x}"))
            .Add(new DeviceTreeProperty("ibm,associativity", Associativity(options, numaNode)))
            .Add(new DeviceTreeProperty("reg", Reg(address, options.LmbSize)))
            .Add(DeviceTreeProperty.FromString("device_type", "memory"));
    }

    private static uint BootLmbs(DynamicMemoryOptions options)
    {
        if (options.DeviceMemoryBase % options.LmbSize != 0)
        {
            throw new ArgumentException($"The device memory base 0x{options.DeviceMemoryBase:x} is not a multiple of the LMB size 0x{options.LmbSize:x}.", nameof(options));
        }

        ulong count = options.DeviceMemoryBase / options.LmbSize;
        return count <= uint.MaxValue
            ? (uint)count
            : throw new ArgumentException($"The boot memory below 0x{options.DeviceMemoryBase:x} is more LMBs than a u32 counts.", nameof(options));
    }

    /// <summary>The LMB connectors in index order, whether each holds its device, read at one moment under the registry lock.</summary>
    private static LmbView[] ReadLmbs(DrcRegistry registry, DynamicMemoryOptions options)
    {
        // Taken outside the lock: the registry dispatches queued notifications on the way out of its own calls.
        var connectors = registry.Connectors;
        var lmbs = new List<LmbView>();
        lock (registry.Sync)
        {
            foreach (var drc in connectors)
            {
                if ((drc.Kind.Mask & DrcTypeMask.Lmb) != 0 && !drc.IsRemoved)
                {
                    lmbs.Add(new LmbView(drc.Index, drc.IsHeld ? drc.AttachedDevice : null, 0));
                }
            }
        }

        // The emulator's callback runs outside the lock, once per device.
        var nodes = new Dictionary<AttachedDevice, uint>(ReferenceEqualityComparer.Instance);
        var result = new LmbView[lmbs.Count];
        for (int i = 0; i < result.Length; i++)
        {
            var lmb = lmbs[i];
            if (options.AddressOf(lmb.Index) < options.DeviceMemoryBase)
            {
                throw new ArgumentException($"LMB connector {lmb.Index} (address 0x{options.AddressOf(lmb.Index):x}) lies below the device memory base 0x{options.DeviceMemoryBase:x}.", nameof(options));
            }

            if (lmb.Holder is { } holder && !nodes.TryGetValue(holder, out uint node))
            {
                node = options.NumaNodeOf?.Invoke(holder.Device) ?? 0;
                if (node >= (uint)options.NumaNodeCount)
                {
                    throw new InvalidOperationException($"NumaNodeOf put {holder.Device} on node {node}, but the machine has {options.NumaNodeCount} NUMA node(s).");
                }

                nodes.Add(holder, node);
            }

            result[i] = lmb.Holder is { } h ? lmb with { Node = nodes[h] } : lmb;
        }

        return result;
    }

    private static bool IsLmb(DrcIndex index) =>
        DrcKind.TryOfNibble(index.Value >> 28, out var kind) && (kind.Mask & DrcTypeMask.Lmb) != 0;
}
