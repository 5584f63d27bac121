using System.Globalization;
using System.Text.Json.Nodes;

namespace Spapr.Drc.RealGuest.Qemu;

/// <summary>
/// The pSeries machine a recording runs on: memory, CPUs and NUMA nodes, as QEMU arguments and as the trace's
/// machine line. Two shapes are used: one node (the prototype's main run), and two nodes with node 1 memoryless at
/// boot and CPU cores 1.. on node 1 (the DIMM refusal scenarios place memory and processes on node 1).
/// </summary>
public sealed record MachineShape(int RamMb, int MaxMemMb, int Slots, int Smp, int MaxCpus, int NumaNodes)
{
    /// <summary>QEMU's pSeries LMB size (SPAPR_MEMORY_BLOCK_SIZE).</summary>
    public const int LmbMb = 256;

    public static MachineShape SingleNode { get; } = new(2048, 8192, 4, 1, 4, 1);

    public static MachineShape TwoNodes { get; } = new(2048, 8192, 4, 1, 4, 2);

    /// <summary>The memory, CPU and NUMA arguments.</summary>
    public IReadOnlyList<string> Arguments()
    {
        var args = new List<string>
        {
            "-m", string.Create(CultureInfo.InvariantCulture, $"{RamMb}M,slots={Slots},maxmem={MaxMemMb}M"),
            "-smp", string.Create(CultureInfo.InvariantCulture, $"{Smp},maxcpus={MaxCpus}"),
        };
        if (NumaNodes == 2)
        {
            args.AddRange(["-object", string.Create(CultureInfo.InvariantCulture, $"memory-backend-ram,id=ram-node0,size={RamMb}M")]);
            args.AddRange(["-numa", "node,nodeid=0,memdev=ram-node0", "-numa", "node,nodeid=1"]);
            args.AddRange(["-numa", "cpu,node-id=0,core-id=0"]);
            for (int core = 1; core < MaxCpus; core++)
            {
                args.AddRange(["-numa", string.Create(CultureInfo.InvariantCulture, $"cpu,node-id=1,core-id={core}")]);
            }
        }
        else if (NumaNodes != 1)
        {
            throw new NotSupportedException("Machine shapes have one or two NUMA nodes.");
        }

        return args;
    }

    /// <summary>The trace's machine object (issue 15 section 2), without the fields only a run knows.</summary>
    public JsonObject ToMachineJson(string qemuVersion, string kernelRelease, bool negotiated) => new()
    {
        ["qemu"] = qemuVersion,
        ["kernel"] = kernelRelease,
        ["smp"] = Smp,
        ["maxcpus"] = MaxCpus,
        ["ram_mb"] = RamMb,
        ["maxmem_mb"] = MaxMemMb,
        ["lmb_mb"] = LmbMb,
        ["numa_nodes"] = NumaNodes,
        ["negotiated"] = negotiated,
    };
}
