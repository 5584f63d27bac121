using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Spapr.Drc.Conformance.Qemu;
using Spapr.Drc.Conformance.Twin;

namespace Spapr.Drc.Conformance.Scenarios;

/// <summary>
/// <see cref="RtasDispatcher"/> against QEMU 7.2 with the same argument buffers in the same guest memory: what each
/// writes for good calls, bad counts, unknown calls and buffers that leave guest memory. Where the library deliberately
/// differs (it never writes past what the guest declared and never loses an event), the test says so and pins both.
/// </summary>
public sealed class RtasDispatchTests
{
    private const ulong At = 0x1000_0000;
    private const ulong WorkArea = 0x1000_1000;
    private const ulong EventBuffer = 0x1000_3000;
    private const ulong EndOfRam = SparseGuestMemory.Size;
    private const uint BootCore = 0x1000_0000;
    private const uint ParameterError = 0xFFFF_FFFD;
    private const uint Poison = DispatchTwin.PoisonCell;

    /// <summary>QEMU's /rtas node, from its own device-tree dump: every token of <see cref="RtasTokens.QemuNumbering"/>, and ours among them.</summary>
    [QemuFact]
    public void Tokens_QemuDumpDtb_AreQemuNumberingAndContainOurProperties()
    {
        var rtas = DumpRtasNode();

        var tokens = rtas.Where(p => p.Value.Length == 4 && BinaryPrimitives.ReadUInt32BigEndian(p.Value) is >= 0x2000 and < 0x2100)
            .ToDictionary(p => p.Key, p => BinaryPrimitives.ReadUInt32BigEndian(p.Value));
        tokens.Should().BeEquivalentTo(RtasTokens.QemuNumbering);
        foreach (var property in RtasTokens.Qemu.GetDeviceTreeProperties())
        {
            rtas[property.Name].Should().Equal(property.Value.ToArray(), property.Name);
        }
    }

    [QemuFact]
    public void Dispatch_GoodCalls_WriteWhatQemuWrites()
    {
        using var twin = new DispatchTwin();

        Same(twin.Call("set-indicator", At, [9001, BootCore, 1], 3, 1)).Should().Equal(0u, Poison, Poison);
        Same(twin.Call("set-indicator", At, [9003, 0x1000_0001, 1], 3, 1)).Should().Equal(ParameterError, Poison, Poison);
        Same(twin.Call("get-sensor-state", At, [9003, BootCore], 2, 2)).Should().Equal(0u, 1u, Poison, Poison);
        Same(twin.Call("get-sensor-state", At, [9003, 0x1000_0001], 2, 2)).Should().Equal(0u, 2u, Poison, Poison);
        Same(twin.Call("get-sensor-state", At, [9001, BootCore], 2, 2)).Should().Equal(ParameterError, 0u, Poison, Poison);
        Same(twin.Call("event-scan", At, [0xFFFF_FFFF, 0, (uint)EventBuffer, 2048], 4, 1)).Should().Equal(1u, Poison, Poison);
        Same(twin.Call("check-exception", At, [0, 0, 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048], 6, 1)).Should().Equal(1u, Poison, Poison);
        Same(twin.Call("check-exception", At, [0, 0, 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048, 0], 7, 1)).Should().Equal(1u, Poison, Poison);
        Same(twin.Call("ibm,configure-connector", At, [0x9000_0000, 0], 2, 1)).Should().Equal(ParameterError, Poison, Poison);
    }

    /// <summary>Wrong nargs, or more return cells than the call has: -3 (and get-sensor-state's 0), exactly as QEMU writes them.</summary>
    [QemuFact]
    public void Dispatch_WrongCountsWithEnoughReturnCells_WriteWhatQemuWrites()
    {
        using var twin = new DispatchTwin();

        Same(twin.Call("set-indicator", At, [9001, BootCore], 2, 1)).Should().Equal(ParameterError, Poison, Poison);
        Same(twin.Call("set-indicator", At, [9001, BootCore, 1, 0], 4, 1)).Should().Equal(ParameterError, Poison, Poison);
        Same(twin.Call("set-indicator", At, [9001, BootCore, 1], 3, 2)).Should().Equal(ParameterError, Poison, Poison, Poison);
        Same(twin.Call("get-sensor-state", At, [9003], 1, 2)).Should().Equal(ParameterError, 0u, Poison, Poison);
        Same(twin.Call("get-sensor-state", At, [9003, BootCore, 0], 3, 2)).Should().Equal(ParameterError, 0u, Poison, Poison);
        Same(twin.Call("get-sensor-state", At, [9003, BootCore], 2, 3)).Should().Equal(ParameterError, 0u, Poison, Poison, Poison);
        Same(twin.Call("ibm,configure-connector", At, [(uint)WorkArea], 1, 1)).Should().Equal(ParameterError, Poison, Poison);
        Same(twin.Call("ibm,configure-connector", At, [(uint)WorkArea, 0], 2, 2)).Should().Equal(ParameterError, Poison, Poison, Poison);
        Same(twin.Call("check-exception", At, [0, 0, 0xFFFF_FFFF, 0, (uint)EventBuffer], 5, 1)).Should().Equal(ParameterError, Poison, Poison);
        Same(twin.Call("check-exception", At, [0, 0, 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048, 0, 0], 8, 1)).Should().Equal(ParameterError, Poison, Poison);
        Same(twin.Call("check-exception", At, [0, 0, 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048], 6, 2)).Should().Equal(ParameterError, Poison, Poison, Poison);
        Same(twin.Call("event-scan", At, [0xFFFF_FFFF, 0, (uint)EventBuffer], 3, 1)).Should().Equal(ParameterError, Poison, Poison);
        Same(twin.Call("event-scan", At, [0xFFFF_FFFF, 0, (uint)EventBuffer, 2048], 4, 2)).Should().Equal(ParameterError, Poison, Poison, Poison);
    }

    /// <summary>
    /// Deliberate difference: with fewer return cells than the call has (nret 0, or get-sensor-state's nret 1), QEMU
    /// still writes them, past the buffer the guest declared; the dispatcher writes only the declared cells.
    /// </summary>
    [QemuFact]
    public void Dispatch_FewerReturnCellsThanTheCallHas_QemuWritesPastTheBufferDispatcherDoesNot()
    {
        using var twin = new DispatchTwin();

        foreach (var (name, args) in new (string, uint[])[]
        {
            ("set-indicator", [9001, BootCore, 1]),
            ("ibm,configure-connector", [(uint)WorkArea, 0]),
            ("check-exception", [0, 0, 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048]),
            ("event-scan", [0xFFFF_FFFF, 0, (uint)EventBuffer, 2048]),
        })
        {
            var none = twin.Call(name, At, args, (uint)args.Length, 0);
            none.Qemu[(3 + args.Length)..].Should().Equal([ParameterError, Poison], name + ", QEMU, nret 0");
            none.Library[(3 + args.Length)..].Should().Equal([Poison, Poison], name + ", library, nret 0");
            (none.Result.Status, none.Result.StatusWritten).Should().Be((-3, false));
        }

        var one = twin.Call("get-sensor-state", At, [9003, BootCore], 2, 1);
        one.Qemu[5..].Should().Equal(ParameterError, 0u, Poison);
        one.Library[5..].Should().Equal(ParameterError, Poison, Poison);

        var zero = twin.Call("get-sensor-state", At, [9003, BootCore], 2, 0);
        zero.Qemu[5..].Should().Equal(ParameterError, 0u);
        zero.Library[5..].Should().Equal(Poison, Poison);
    }

    /// <summary>
    /// An unknown call: qtest's reply and the dispatcher's hypercall status are both H_PARAMETER (-4). (QEMU's h_rtas also
    /// writes -3 into rets[0] for an unknown token, which qtest's by-name command cannot reach; the dispatcher does the same.)
    /// </summary>
    [QemuFact]
    public void Dispatch_UnknownCall_IsHParameterOnBothSides()
    {
        using var twin = new DispatchTwin();

        var outcome = twin.Call("no-such-call", At, [1, 2, 3], 3, 1);

        outcome.QemuHcall.Should().Be(-4);
        outcome.Result.HcallStatus.Should().Be(-4);
        outcome.Result.Outcome.Should().Be(RtasDispatchOutcome.UnknownToken);
        outcome.Library[6].Should().Be(ParameterError);
    }

    /// <summary>
    /// Arguments that run off the end of guest RAM: QEMU reads zeros for the missing cells (here refusals or no-ops) and
    /// its status write is dropped; the dispatcher runs nothing. Either way memory and connectors are as they were.
    /// </summary>
    [QemuFact]
    public void Dispatch_ArgumentsRunningOffTheEndOfRam_ChangeNothingOnEitherSide()
    {
        using var twin = new DispatchTwin();
        twin.AddCore("core1", 1);

        foreach (ulong at in new[] { EndOfRam - 12, EndOfRam - 16, EndOfRam - 20 })
        {
            var outcome = twin.Call("set-indicator", at, [9003, 0x1000_0001, 1], 3, 1);

            outcome.Library.Should().Equal(outcome.Qemu, $"buffer at 0x{at:x}");
            (outcome.Result.Outcome, outcome.Result.HcallStatus).Should().Be((RtasDispatchOutcome.BufferUnreadable, -4L));
            SenseBoth(twin, 0x1000_0001).Should().Be(2u, "core1 is still unusable on both sides");
        }
    }

    /// <summary>
    /// Deliberate difference: arguments in RAM but the return cell past its end. QEMU runs the call and drops the status
    /// (the guest never learns what happened to its connector); the dispatcher runs nothing and says H_PARAMETER.
    /// </summary>
    [QemuFact]
    public void Dispatch_ReturnCellOffTheEndOfRam_QemuRunsTheCallDispatcherDoesNot()
    {
        using var twin = new DispatchTwin();
        twin.AddCore("core1", 1);

        var outcome = twin.Call("set-indicator", EndOfRam - 24, [9003, 0x1000_0001, 1], 3, 1);

        outcome.Library.Should().Equal(outcome.Qemu);
        outcome.Result.Outcome.Should().Be(RtasDispatchOutcome.BufferUnreadable);
        var sense = twin.Call("get-sensor-state", At, [9003, 0x1000_0001], 2, 2);
        (sense.Qemu[6], sense.Library[6]).Should().Be((1u, 2u), "QEMU made core1 usable, the library left it unusable");
    }

    /// <summary>A work area outside RAM reads as zeros in QEMU: index 0 is no connector, so both answer -3.</summary>
    [QemuFact]
    public void Dispatch_WorkAreaOutsideRam_IsParameterErrorOnBothSides()
    {
        using var twin = new DispatchTwin();

        Same(twin.Call("ibm,configure-connector", At, [(uint)EndOfRam, 0], 2, 1)).Should().Equal(ParameterError, Poison, Poison);
        Same(twin.Call("ibm,configure-connector", At, [0x1000, 1], 2, 1)).Should().Equal(ParameterError, Poison, Poison);
    }

    /// <summary>
    /// A work area that runs off the end of RAM: QEMU walks the fragment and its writes past RAM are dropped; the
    /// dispatcher clips the work area there and walks the same sequence, down to a work area with only the index in RAM.
    /// </summary>
    [QemuFact]
    public void Dispatch_WorkAreaRunningOffTheEndOfRam_WalksTheSameSequence()
    {
        using var twin = new DispatchTwin();
        twin.AddCore("core1", 1);
        Same(twin.Call("set-indicator", At, [9003, 0x1000_0001, 1], 3, 1)).Should().StartWith([0u]);
        Same(twin.Call("set-indicator", At, [9001, 0x1000_0001, 1], 3, 1)).Should().StartWith([0u]);

        foreach (ulong workArea in new[] { EndOfRam - 64, EndOfRam - 8, WorkArea })
        {
            twin.StoreCells(workArea, 0x1000_0001, 0);
            var codes = new List<string>();
            for (int call = 0; call < 100; call++)
            {
                var cells = Same(twin.Call("ibm,configure-connector", At, [(uint)workArea, (uint)(workArea >> 32)], 2, 1));
                codes.Add(((int)cells[0]).ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (cells[0] is not (2 or 3 or 4))
                {
                    break;
                }
            }

            string.Join(",", codes).Should().Be("2," + string.Join(",", Enumerable.Repeat("3", 30)) + ",0", $"work area at 0x{workArea:x}");
            var (qemu, library) = twin.Load(workArea, 12);
            library[..8].Should().Equal(qemu[..8], "the guest's index cells are left alone");
        }
    }

    [QemuFact]
    public void Dispatch_CheckExceptionWithEvents_WritesQemusLogsAndTheParserReadsThem()
    {
        using var twin = new DispatchTwin();
        twin.AddCore("core1", 1);
        uint firstLmb = twin.AddDimm("dimm0", 2);

        foreach (var (type, identifier, index, count) in new[]
        {
            (HotplugType.Cpu, HotplugIdentifier.DrcIndex, (uint?)0x1000_0001, 1u),
            (HotplugType.Memory, HotplugIdentifier.DrcCount, (uint?)null, 2u),
        })
        {
            twin.Poison(EventBuffer, 2048);
            var outcome = twin.Call("check-exception", At, [0, 0, 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048], 6, 1);
            outcome.Library.Should().Equal(outcome.Qemu);
            outcome.Library[9].Should().Be(0u);

            var (qemuLog, libraryLog) = twin.Load(EventBuffer, 120);
            ExceptionLog.Parse(0, libraryLog).Masked.Should().Be(ExceptionLog.Parse(0, qemuLog).Masked);
            libraryLog[116..].Should().Equal(qemuLog[116..]);
            foreach (var log in new[] { HotplugEventLog.Parse(qemuLog), HotplugEventLog.Parse(libraryLog) })
            {
                (log.Type, log.Action, log.Identifier, log.Index?.Value, log.Count).Should().Be((type, HotplugAction.Add, identifier, index, count));
            }
        }

        firstLmb.Should().BeGreaterThan(0x8000_0000u);
        Same(twin.Call("check-exception", At, [0, 0, 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048], 6, 1)).Should().StartWith([1u]);
    }

    /// <summary>
    /// Deliberate difference: an event buffer that runs off the end of RAM. QEMU writes what fits, answers 0 and the
    /// event is gone; the dispatcher answers -3 and keeps the event for a call with a buffer it can deliver to.
    /// </summary>
    [QemuFact]
    public void Dispatch_CheckExceptionBufferRunningOffTheEndOfRam_QemuLosesTheEventDispatcherKeepsIt()
    {
        using var twin = new DispatchTwin();
        twin.AddCore("core1", 1);

        var outcome = twin.Call("check-exception", At, [0, 0, 0xFFFF_FFFF, 0, (uint)(EndOfRam - 64), 2048], 6, 1);

        outcome.Qemu[9].Should().Be(0u);
        outcome.Library[9].Should().Be(ParameterError);
        var again = twin.Call("check-exception", At, [0, 0, 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048], 6, 1);
        (again.Qemu[9], again.Library[9]).Should().Be((1u, 0u));
    }

    /// <summary>Both ignore the top nibble of a 64-bit real address (QEMU's ppc64_phys_to_real).</summary>
    [QemuFact]
    public void Dispatch_AddressWithTopNibbleSet_IsServedAsQemuServesIt()
    {
        using var twin = new DispatchTwin();
        const ulong Tagged = 0xC000_0000_0000_0000 | At;
        twin.Poison(At, 32);
        twin.StoreCells(At, RtasTokens.Qemu.TokenOf(RtasCall.GetSensorState), 2, 2, 9003, BootCore);

        twin.Qtest.Command($"rtas get-sensor-state 2 0x{Tagged + 12:x} 2 0x{Tagged + 20:x}");
        twin.Dispatcher.Dispatch(Tagged).Status.Should().Be(0);

        var (qemu, library) = twin.LoadCells(At, 8);
        library.Should().Equal(qemu);
        library[5..].Should().Equal(0u, 1u, Poison);
    }

    private static uint[] Same(DispatchOutcome outcome)
    {
        outcome.Library.Should().Equal(outcome.Qemu, $"QEMU wrote [{Hex(outcome.Qemu)}], the dispatcher [{Hex(outcome.Library)}] ({outcome.Result})");
        outcome.QemuHcall.Should().Be(outcome.Result.HcallStatus);
        int header = 3 + (int)outcome.Library[1];
        return outcome.Library[header..];
    }

    /// <summary>The entity sense of <paramref name="index"/>, the same on both sides.</summary>
    private static uint SenseBoth(DispatchTwin twin, uint index) => Same(twin.Call("get-sensor-state", At, [9003, index], 2, 2))[1];

    private static string Hex(uint[] cells) => string.Join(' ', cells.Select(c => c.ToString("x8", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Boots QEMU with the suite's machine and <c>dumpdtb</c>, and returns the properties of its /rtas node.</summary>
    private static Dictionary<string, byte[]> DumpRtasNode()
    {
        var dir = Directory.CreateTempSubdirectory("qdrc-dtb-");
        try
        {
            string dtb = Path.Combine(dir.FullName, "pseries.dtb");
            string bios = Path.Combine(dir.FullName, "loop.bin");
            var image = new byte[0x104];
            BinaryPrimitives.WriteUInt32BigEndian(image.AsSpan(0x100), 0x4800_0000);
            File.WriteAllBytes(bios, image);
            var psi = new ProcessStartInfo(QemuAvailability.Binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string a in new[]
            {
                "-machine", "pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off,dumpdtb=" + dtb,
                "-S", "-nodefaults", "-display", "none", "-m", "2G,slots=4,maxmem=8G", "-smp", "1,maxcpus=4", "-cpu", "power9_v2.0",
                "-msg", "timestamp=off", "-bios", bios,
            })
            {
                psi.ArgumentList.Add(a);
            }

            using var process = Process.Start(psi) ?? throw new QemuException("QEMU did not start.");
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(30_000))
            {
                process.Kill(entireProcessTree: true);
                throw new QemuException("QEMU did not exit after dumpdtb within 30 s.");
            }

            if (!File.Exists(dtb))
            {
                throw new QemuException($"QEMU wrote no device tree: {stderr.Result}");
            }

            return PropertiesOf(File.ReadAllBytes(dtb), "rtas");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>The properties of a top-level node of a flattened device tree (structure block tokens 1-4, 9).</summary>
    private static Dictionary<string, byte[]> PropertiesOf(byte[] blob, string nodeName)
    {
        uint Word(int at) => BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(at));
        Word(0).Should().Be(0xD00D_FEEDu, "a flattened device tree starts with its magic");
        int structure = (int)Word(8), strings = (int)Word(12);
        string CString(int at) => Encoding.ASCII.GetString(blob, at, Array.IndexOf(blob, (byte)0, at) - at);

        var properties = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        int depth = 0;
        bool inNode = false;
        for (int at = structure; ;)
        {
            uint token = Word(at);
            at += 4;
            switch (token)
            {
                case 1:
                    string name = CString(at);
                    at += (name.Length + 4) & ~3;
                    depth++;
                    inNode = depth == 2 && name == nodeName;
                    break;
                case 2:
                    depth--;
                    inNode = false;
                    break;
                case 3:
                    int length = (int)Word(at), nameOffset = (int)Word(at + 4);
                    if (inNode)
                    {
                        properties[CString(strings + nameOffset)] = blob.AsSpan(at + 8, length).ToArray();
                    }

                    at += 8 + ((length + 3) & ~3);
                    break;
                case 4:
                    break;
                default:
                    return properties;
            }
        }
    }
}
