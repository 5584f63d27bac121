using System.Globalization;
using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Replay;

/// <summary>
/// The device-tree fragments of a replay. What a device's node holds is the emulator's business, not the library's,
/// but configure-connector must answer the traced walk call for call, so each fragment gets the shape the trace shows:
/// the first complete walk of any of the device's connectors after its device_add (2 opens a node, 3 hands out a
/// property, 4 closes a child node, 0 ends the top node). A device the guest never walks completely gets QEMU 7.2's
/// shape for its type on the traced machine: a CPU node of 30 properties (31 with several NUMA nodes, where QEMU adds
/// the core's associativity), an LMB node of 3, a PHB node of 25, a PCI node of 13.
/// </summary>
internal sealed class FragmentShapes
{
    // Property counts of QEMU 7.2's nodes: a data table, so there is no switch over connector types.
    private static readonly Dictionary<DrcType, Func<MachineLine, int>> QemuPropertyCounts = new()
    {
        [DrcType.Cpu] = machine => machine.NumaNodes > 1 ? 31 : 30,
        [DrcType.Lmb] = _ => 3,
        [DrcType.Phb] = _ => 25,
        [DrcType.Pci] = _ => 13,
    };

    private readonly MachineLine _machine;

    // Every configure-connector call of the trace per connector: (line, status), in trace order.
    private readonly Dictionary<uint, List<(int Line, int Status)>> _walks = [];

    public FragmentShapes(Trace trace)
    {
        _machine = trace.Machine;
        foreach (var call in trace.Lines.OfType<ConfigureConnectorLine>())
        {
            if (!_walks.TryGetValue(call.Index, out var calls))
            {
                _walks[call.Index] = calls = [];
            }

            calls.Add((call.Line, call.Rets[0]));
        }
    }

    /// <summary>
    /// The fragment builder for a device over <paramref name="connectors"/> attached on trace line
    /// <paramref name="attachedAt"/> (0 for a device present at boot): every connector of it gets the same shape.
    /// </summary>
    public Func<DrcIndex, DeviceTreeNode> For(IReadOnlyList<DrcIndex> connectors, int attachedAt)
    {
        var traced = connectors
            .Select(index => FirstWalkAfter(index.Value, attachedAt))
            .Where(walk => walk.Statuses is not null)
            .OrderBy(walk => walk.Line)
            .Select(walk => walk.Statuses!)
            .FirstOrDefault();
        return index => (traced is null ? null : FromWalk(index, traced)) ?? QemuShape(index);
    }

    /// <summary>The statuses of a connector's first walk after a line, up to its end (or its first error); null when there is none.</summary>
    private (int Line, List<int>? Statuses) FirstWalkAfter(uint index, int line)
    {
        if (!_walks.TryGetValue(index, out var calls))
        {
            return (0, null);
        }

        int start = calls.FindIndex(c => c.Line > line);
        if (start < 0)
        {
            return (0, null);
        }

        var statuses = new List<int>();
        for (int i = start; i < calls.Count; i++)
        {
            statuses.Add(calls[i].Status);
            if (calls[i].Status is not ((int)ConfigureConnectorStatus.NextChild or (int)ConfigureConnectorStatus.NextProperty or (int)ConfigureConnectorStatus.PreviousParent))
            {
                break;
            }
        }

        return (calls[start].Line, statuses);
    }

    /// <summary>A node tree whose walk gives exactly <paramref name="statuses"/>; null when they are no complete walk.</summary>
    private static DeviceTreeNode? FromWalk(DrcIndex index, List<int> statuses)
    {
        var open = new Stack<DeviceTreeNode>();
        DeviceTreeNode? top = null;
        int properties = 0;
        for (int i = 0; i < statuses.Count; i++)
        {
            switch ((ConfigureConnectorStatus)statuses[i])
            {
                case ConfigureConnectorStatus.NextChild:
                    var node = new DeviceTreeNode(top is null ? NodeName(index) : string.Create(CultureInfo.InvariantCulture, $"child@{i:x}"));
                    if (top is null)
                    {
                        top = node;
                    }
                    else if (open.Count > 0)
                    {
                        open.Peek().Add(node);
                    }
                    else
                    {
                        return null;
                    }

                    open.Push(node);
                    break;
                case ConfigureConnectorStatus.NextProperty when open.Count > 0:
                    open.Peek().Add(Property(properties++));
                    break;
                case ConfigureConnectorStatus.PreviousParent when open.Count > 1:
                    open.Pop();
                    break;
                case ConfigureConnectorStatus.Success when open.Count == 1 && i == statuses.Count - 1:
                    return top;
                default:
                    return null;
            }
        }

        return null;
    }

    private DeviceTreeNode QemuShape(DrcIndex index)
    {
        if (!QemuPropertyCounts.TryGetValue(index.Type, out var count))
        {
            return DeviceFragments.For(index);
        }

        var node = new DeviceTreeNode(NodeName(index));
        for (int i = 0, n = count(_machine); i < n; i++)
        {
            node.Add(Property(i));
        }

        return node;
    }

    private static string NodeName(DrcIndex index) => string.Create(CultureInfo.InvariantCulture, $"traced-device@{index.Value:x}");

    private static DeviceTreeProperty Property(int number) =>
        DeviceTreeProperty.FromCells(string.Create(CultureInfo.InvariantCulture, $"property-{number}"), (uint)number);
}
