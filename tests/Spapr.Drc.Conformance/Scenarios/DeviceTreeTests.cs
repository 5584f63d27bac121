using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Spapr.Drc.Conformance.Qemu;
using Spapr.Drc.Conformance.Twin;

namespace Spapr.Drc.Conformance.Scenarios;

/// <summary>
/// The device tree QEMU 7.2 builds at boot (<c>-machine pseries,dumpdtb=FILE</c>, which writes the blob and exits)
/// against the library's for a registry built like that machine: the <c>ibm,drc-*</c> arrays of the root, of /cpus
/// and of the default PHB, compared as sets (QEMU lists its connector container in hash order, we in index order);
/// the boot memory node, built by the same QEMU function as an LMB's configure-connector node; and a hot-plugged
/// LMB's configure-connector walk read out of the work area through qtest. <c>ibm,dynamic-reconfiguration-memory</c>
/// is built only at client-architecture-support, so it is not in the dump; the unit tests compare it with the real
/// guest's copy instead.
/// </summary>
public sealed class DeviceTreeTests
{
    private const string DefaultPhbNode = "/pci@800000020000000";
    private const ulong LmbSize = 0x1000_0000;
    private static readonly DrcIndex Phb0 = DrcIndex.From(DrcType.Phb, 0);
    private static readonly ColdDevice[] NoDevices = [];
    private static readonly ColdDevice[] TwoDimms = [new("dimm", "dimm0", 2), new("dimm", "dimm1", 4)];

    public static TheoryData<string> Machines => new() { "plain", "dimms" };

    [QemuTheory]
    [MemberData(nameof(Machines))]
    public void DumpDtb_RootNode_DrcArraysEqualOursForLmbPhbAndPmemAsSets(string machine)
    {
        var cold = machine == "dimms" ? TwoDimms : NoDevices;
        var tree = Fdt.Parse(DumpDtb(cold));
        using var model = new ModelPseries(cold);

        var ours = Entries(model.Registry.GetDeviceTreeProperties(DrcTypeMask.Lmb | DrcTypeMask.Phb | DrcTypeMask.Pmem));

        ours.Should().HaveCount(31 + 24 + 4).And.BeInAscendingOrder(e => e.Index);
        Entries(tree["/"]).Should().BeEquivalentTo(ours);
    }

    [QemuTheory]
    [MemberData(nameof(Machines))]
    public void DumpDtb_CpusNode_DrcArraysEqualOursForCpusAsSets(string machine)
    {
        var cold = machine == "dimms" ? TwoDimms : NoDevices;
        var tree = Fdt.Parse(DumpDtb(cold));
        using var model = new ModelPseries(cold);

        var ours = Entries(model.Registry.GetDeviceTreeProperties(DrcTypeMask.Cpu));

        ours.Should().HaveCount(4);
        Entries(tree["/cpus"]).Should().BeEquivalentTo(ours);
    }

    [QemuTheory]
    [MemberData(nameof(Machines))]
    public void DumpDtb_DefaultPhbNode_DrcArraysEqualOursForItsPciSlotsAsSets(string machine)
    {
        var cold = machine == "dimms" ? TwoDimms : NoDevices;
        var tree = Fdt.Parse(DumpDtb(cold));
        using var model = new ModelPseries(cold);

        var ours = Entries(model.Registry.GetDeviceTreeProperties(DrcTypeMask.Pci, Phb0));

        ours.Should().HaveCount(256);
        Entries(tree[DefaultPhbNode]).Should().BeEquivalentTo(ours);
    }

    [QemuFact]
    public void DumpDtb_BeforeClientArchitectureSupport_HasNoDynamicReconfigurationMemoryAndNoDrcInfo()
    {
        var tree = Fdt.Parse(DumpDtb(TwoDimms));

        tree.Keys.Should().NotContain("/" + DynamicReconfigurationMemory.NodeName);
        tree["/"].Select(p => p.Name).Should().NotContain("ibm,drc-info");
    }

    [QemuFact]
    public void DumpDtb_BootMemoryNode_HasTheShapeAndValuesOfOurLmbFragment()
    {
        // QEMU makes the boot memory node and an LMB's node with one function; before client-architecture-support
        // its affinity is FORM1. The boot node's reg covers the RMA (first 2 GiB here), not one LMB.
        var boot = Fdt.Parse(DumpDtb(NoDevices))["/memory@0"];
        var ours = DynamicReconfigurationMemory.LmbFragment(new DynamicMemoryOptions(0x8000_0000) { Form2Affinity = false }, DrcIndex.From(DrcType.Lmb, 8), 0);

        boot.Select(p => p.Name).Should().Equal(ours.Properties.Select(p => p.Name));
        boot[0].Value.Should().Equal(ours.Properties[0].Value.ToArray());
        boot[1].Value.Should().Equal(Reg(0, 0x8000_0000));
        boot[2].Value.Should().Equal(ours.Properties[2].Value.ToArray());
    }

    [QemuFact]
    public void ConfigureConnector_HotPluggedLmb_QemusNodeIsOursExceptTheAddress()
    {
        // Beyond QEMU: QEMU 7.2 computes the node's address as the whole DRC index times the LMB size
        // (0x80000008 * 256 MiB = 0x0800000080000000); ours is the LMB's address. Linux reads only ibm,associativity.
        using var qemu = QemuProcess.Start([]);
        var made = qemu.Qmp.Execute("object-add", new JsonObject { ["qom-type"] = "memory-backend-ram", ["id"] = "mem1", ["size"] = 2 * LmbSize });
        made["error"].Should().BeNull();
        qemu.Qmp.Execute("device_add", new JsonObject { ["driver"] = "pc-dimm", ["id"] = "dimm1", ["memdev"] = "mem1" })["error"].Should().BeNull();
        var lmb = DrcIndex.From(DrcType.Lmb, 8);
        Rtas(qemu, "set-indicator", [9003, lmb.Value, 1], 1).Should().Equal(0u);
        Rtas(qemu, "set-indicator", [9001, lmb.Value, 1], 1).Should().Equal(0u);

        var walked = Walk(qemu, lmb);

        var ours = DynamicReconfigurationMemory.LmbFragment(new DynamicMemoryOptions(0x8000_0000) { Form2Affinity = false }, lmb, 0);
        walked.Node.Should().Be("memory@800000080000000");
        ours.Name.Should().Be("memory@80000000");
        walked.Properties.Select(p => p.Name).Should().Equal(ours.Properties.Select(p => p.Name));
        walked.Properties[0].Value.Should().Equal(ours.Properties[0].Value.ToArray());
        walked.Properties[1].Value.Should().Equal(Reg(0x0800_0000_8000_0000, LmbSize));
        ours.Properties[1].Value.ToArray().Should().Equal(Reg(0x8000_0000, LmbSize));
        walked.Properties[2].Value.Should().Equal(ours.Properties[2].Value.ToArray());
    }

    /// <summary>Runs QEMU with the reference harness's machine (without qtest and QMP) plus dumpdtb, and returns the blob.</summary>
    private static byte[] DumpDtb(IEnumerable<ColdDevice> cold)
    {
        if (QemuAvailability.Version is null)
        {
            throw new QemuException($"'{QemuAvailability.Binary}' cannot be run: install qemu-system-ppc (QEMU 7.2).");
        }

        var dir = Directory.CreateTempSubdirectory("qdtb-");
        try
        {
            string blob = Path.Combine(dir.FullName, "machine.dtb");
            string bios = Path.Combine(dir.FullName, "loop.bin");
            var image = new byte[0x104];
            BinaryPrimitives.WriteUInt32BigEndian(image.AsSpan(0x100), 0x4800_0000);
            File.WriteAllBytes(bios, image);
            var psi = new ProcessStartInfo(QemuAvailability.Binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            string[] args =
            [
                "-machine", "pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off,dumpdtb=" + blob,
                "-S", "-nodefaults", "-display", "none",
                "-m", "2G,slots=4,maxmem=8G", "-smp", "1,maxcpus=4", "-cpu", "power9_v2.0",
                "-msg", "timestamp=off", "-bios", bios,
            ];
            foreach (string a in args)
            {
                psi.ArgumentList.Add(a);
            }

            foreach (var d in cold)
            {
                d.Kind.Should().Be("dimm", "only DIMMs are cold-plugged here");
                psi.ArgumentList.Add("-object");
                psi.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"memory-backend-ram,id=mem-{d.Id},size={(ulong)d.Number * LmbSize}"));
                psi.ArgumentList.Add("-device");
                psi.ArgumentList.Add($"pc-dimm,id={d.Id},memdev=mem-{d.Id}");
            }

            using var process = Process.Start(psi) ?? throw new QemuException("QEMU did not start.");
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
                throw new QemuException("QEMU did not exit within 60 s after dumpdtb.");
            }

            if (process.ExitCode != 0 || !File.Exists(blob))
            {
                throw new QemuException($"QEMU exited with {process.ExitCode} without a blob: {stderr.Result}{stdout.Result}");
            }

            return File.ReadAllBytes(blob);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Calls RTAS through qtest with scratch argument and return buffers, as the other scenarios do.</summary>
    private static uint[] Rtas(QemuProcess qemu, string name, uint[] args, int nret)
    {
        const ulong argsAddress = 0x1000_0000;
        const ulong retsAddress = 0x1000_0200;
        qemu.Qtest.WriteCells(argsAddress, args);
        qemu.Qtest.Rtas(name, args.Length, argsAddress, nret, retsAddress);
        return qemu.Qtest.ReadCells(retsAddress, nret);
    }

    /// <summary>Walks one node's configure-connector sequence, reading each name and value out of the work area.</summary>
    private static (string Node, List<(string Name, byte[] Value)> Properties) Walk(QemuProcess qemu, DrcIndex index)
    {
        const ulong workArea = 0x1000_1000;
        qemu.Qtest.Memset(workArea, 4096, 0);
        qemu.Qtest.WriteCells(workArea, [index.Value, 0]);
        string node = string.Empty;
        var properties = new List<(string, byte[])>();
        for (int call = 0; call < 16; call++)
        {
            int status = (int)Rtas(qemu, "ibm,configure-connector", [(uint)workArea, 0], 1)[0];
            if (status == 0)
            {
                return (node, properties);
            }

            var cells = qemu.Qtest.ReadCells(workArea, 5);
            string name = ReadString(qemu, workArea + cells[2]);
            if (status == 2)
            {
                node = name;
            }
            else
            {
                status.Should().Be(3, "an LMB's node has no children");
                properties.Add((name, cells[3] == 0 ? [] : qemu.Qtest.Read(workArea + cells[4], (int)cells[3])));
            }
        }

        throw new QemuException("configure-connector did not finish within 16 calls.");
    }

    private static string ReadString(QemuProcess qemu, ulong address)
    {
        byte[] bytes = qemu.Qtest.Read(address, 64);
        int end = Array.IndexOf(bytes, (byte)0);
        return Encoding.ASCII.GetString(bytes, 0, end < 0 ? bytes.Length : end);
    }

    private static byte[] Reg(ulong address, ulong size)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, address);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), size);
        return bytes;
    }

    /// <summary>Entry i of the four arrays, as one tuple per connector.</summary>
    private static List<DrcEntry> Entries(DrcDeviceTreeProperties properties) =>
        Entries(properties.Indexes.ToArray(), properties.PowerDomains.ToArray(), properties.Names.ToArray(), properties.Types.ToArray());

    private static List<DrcEntry> Entries(List<(string Name, byte[] Value)> node)
    {
        byte[] Get(string name) => node.Single(p => p.Name == name).Value;
        return Entries(Get("ibm,drc-indexes"), Get("ibm,drc-power-domains"), Get("ibm,drc-names"), Get("ibm,drc-types"));
    }

    private static List<DrcEntry> Entries(byte[] indexes, byte[] domains, byte[] names, byte[] types)
    {
        var index = Cells(indexes);
        var domain = Cells(domains);
        var name = Strings(names);
        var type = Strings(types);
        new[] { domain.Count, name.Count, type.Count }.Should().AllBeEquivalentTo(index.Count, "each array has one entry per connector");
        return [.. index.Select((v, i) => new DrcEntry(v, domain[i], name[i], type[i]))];
    }

    /// <summary>A u32 count, then that many u32 cells; nothing may follow.</summary>
    private static List<uint> Cells(byte[] value)
    {
        uint count = BinaryPrimitives.ReadUInt32BigEndian(value);
        value.Length.Should().Be(4 + (int)(count * 4));
        return [.. Enumerable.Range(0, (int)count).Select(i => BinaryPrimitives.ReadUInt32BigEndian(value.AsSpan(4 + (i * 4))))];
    }

    /// <summary>A u32 count, then that many NUL-terminated strings; nothing may follow.</summary>
    private static List<string> Strings(byte[] value)
    {
        uint count = BinaryPrimitives.ReadUInt32BigEndian(value);
        var strings = new List<string>();
        int at = 4;
        for (uint i = 0; i < count; i++)
        {
            int end = Array.IndexOf(value, (byte)0, at);
            strings.Add(Encoding.ASCII.GetString(value, at, end - at));
            at = end + 1;
        }

        at.Should().Be(value.Length);
        return strings;
    }

    private sealed record DrcEntry(uint Index, uint PowerDomain, string Name, string Type);

    /// <summary>A flattened device tree (devicetree.org spec, version 17): every node by path, its properties in blob order.</summary>
    private static class Fdt
    {
        private const uint Magic = 0xD00D_FEED;
        private const uint BeginNode = 1;
        private const uint EndNode = 2;
        private const uint Property = 3;
        private const uint Nop = 4;
        private const uint End = 9;

        public static Dictionary<string, List<(string Name, byte[] Value)>> Parse(byte[] blob)
        {
            var span = blob.AsSpan();
            BinaryPrimitives.ReadUInt32BigEndian(span).Should().Be(Magic);
            int structOffset = (int)BinaryPrimitives.ReadUInt32BigEndian(span[8..]);
            int stringsOffset = (int)BinaryPrimitives.ReadUInt32BigEndian(span[12..]);
            var nodes = new Dictionary<string, List<(string, byte[])>>(StringComparer.Ordinal);
            var path = new Stack<string>();
            int at = structOffset;
            while (true)
            {
                uint token = BinaryPrimitives.ReadUInt32BigEndian(span[at..]);
                at += 4;
                switch (token)
                {
                    case BeginNode:
                        string name = CString(blob, at);
                        at = Align(at + Encoding.ASCII.GetByteCount(name) + 1);
                        string full = path.Count == 0 ? "/" : (path.Peek() == "/" ? "/" : path.Peek() + "/") + name;
                        path.Push(full);
                        nodes[full] = [];
                        break;
                    case EndNode:
                        path.Pop();
                        break;
                    case Property:
                        int length = (int)BinaryPrimitives.ReadUInt32BigEndian(span[at..]);
                        int nameOffset = (int)BinaryPrimitives.ReadUInt32BigEndian(span[(at + 4)..]);
                        nodes[path.Peek()].Add((CString(blob, stringsOffset + nameOffset), span.Slice(at + 8, length).ToArray()));
                        at = Align(at + 8 + length);
                        break;
                    case Nop:
                        break;
                    case End:
                        return nodes;
                    default:
                        throw new InvalidDataException($"Unknown FDT token {token} at {at - 4}.");
                }
            }
        }

        private static int Align(int offset) => (offset + 3) & ~3;

        private static string CString(byte[] blob, int offset) => Encoding.ASCII.GetString(blob, offset, Array.IndexOf(blob, (byte)0, offset) - offset);
    }
}
