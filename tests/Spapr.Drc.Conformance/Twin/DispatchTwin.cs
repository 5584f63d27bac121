using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json.Nodes;
using Spapr.Drc.Conformance.Qemu;

namespace Spapr.Drc.Conformance.Twin;

/// <summary>
/// QEMU and the library's <see cref="RtasDispatcher"/> given the same guest memory. An RTAS call is laid out as the
/// guest lays it out for h_rtas (token, nargs, nret, args, poisoned return cells) at the same address on both sides;
/// QEMU runs it through qtest's <c>rtas</c> command with the addresses h_rtas would derive (args at +12, rets after
/// the args), the library through <see cref="RtasDispatcher.Dispatch(ulong)"/>; then both memories are read back.
/// qtest calls by name, so QEMU never sees the token cell; the library reads it.
/// </summary>
internal sealed class DispatchTwin : IDisposable
{
    public const uint PoisonCell = 0xA5A5_A5A5;
    public const string CoreDriver = "power9_v2.0-spapr-cpu-core";
    private const long LmbSize = 256L << 20;
    private readonly QemuProcess _qemu;
    private int _backends;

    public DispatchTwin()
    {
        Model = new ModelPseries([]);
        Memory = new SparseGuestMemory();
        Dispatcher = new RtasDispatcher(Model.Registry, Memory);
        try
        {
            _qemu = QemuProcess.Start([]);
        }
        catch
        {
            Model.Dispose();
            throw;
        }
    }

    public ModelPseries Model { get; }

    public SparseGuestMemory Memory { get; }

    public RtasDispatcher Dispatcher { get; }

    public QtestClient Qtest => _qemu.Qtest;

    /// <summary>Writes the same bytes into both guests (the part outside RAM is dropped on both).</summary>
    public void Store(ulong address, ReadOnlySpan<byte> data)
    {
        Memory.Store(address, data);
        _qemu.Qtest.Write(address, data);
    }

    public void StoreCells(ulong address, params uint[] cells)
    {
        var bytes = new byte[cells.Length * 4];
        for (int i = 0; i < cells.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 4), cells[i]);
        }

        Store(address, bytes);
    }

    public void Poison(ulong address, int length)
    {
        var bytes = new byte[length];
        bytes.AsSpan().Fill(0xA5);
        Store(address, bytes);
    }

    /// <summary>What each guest would load from <paramref name="address"/>.</summary>
    public (byte[] Qemu, byte[] Library) Load(ulong address, int length) => (_qemu.Qtest.Read(address, length), Memory.Load(address, length));

    public (uint[] Qemu, uint[] Library) LoadCells(ulong address, int count)
    {
        var (q, l) = Load(address, count * 4);
        return (Cells(q), Cells(l));
    }

    /// <summary>
    /// One call on both: the buffer at <paramref name="at"/> with <paramref name="nargs"/>/<paramref name="nret"/> in its
    /// header (they need not match the argument list) and <paramref name="spare"/> poisoned cells after the return cells.
    /// </summary>
    /// <returns>QEMU's qtest reply value (its hypercall-level status), the library's result, and the buffer as each guest sees it afterwards.</returns>
    public DispatchOutcome Call(string name, ulong at, uint[] args, uint nargs, uint nret, int spare = 2)
    {
        uint token = RtasTokens.QemuNumbering.TryGetValue(name, out uint t) ? t : 0xFFFF_0000;
        int cells = 3 + args.Length + (int)nret + spare;
        Poison(at, cells * 4);
        StoreCells(at, [token, nargs, nret, .. args]);

        ulong argsAt = at + 12;
        ulong retsAt = argsAt + (4UL * nargs);
        string reply = _qemu.Qtest.Command(string.Create(CultureInfo.InvariantCulture, $"rtas {name} {nargs} 0x{argsAt:x} {nret} 0x{retsAt:x}"));
        long qemuHcall = unchecked((long)ulong.Parse(reply.AsSpan(3), CultureInfo.InvariantCulture));
        var result = Dispatcher.Dispatch(at);
        var (qemu, library) = LoadCells(at, cells);
        return new DispatchOutcome(qemuHcall, result, qemu, library);
    }

    public void AddCore(string id, int coreId)
    {
        Ok(_qemu.Qmp.Execute("device_add", new JsonObject { ["driver"] = CoreDriver, ["id"] = id, ["core-id"] = coreId }), "device_add " + id);
        Model.AddCore(id, coreId).Should().Be(HostOutcome.Ok);
    }

    /// <summary>Hot-adds a DIMM of <paramref name="lmbs"/> LMBs on both, at the address QEMU chose.</summary>
    public uint AddDimm(string id, int lmbs)
    {
        string backend = string.Create(CultureInfo.InvariantCulture, $"mem-{id}-{++_backends}");
        Ok(_qemu.Qmp.Execute("object-add", new JsonObject { ["qom-type"] = "memory-backend-ram", ["id"] = backend, ["size"] = lmbs * LmbSize }), "object-add " + backend);
        Ok(_qemu.Qmp.Execute("device_add", new JsonObject { ["driver"] = "pc-dimm", ["id"] = id, ["memdev"] = backend }), "device_add " + id);
        var addr = _qemu.Qmp.Execute("qom-get", new JsonObject { ["path"] = "/machine/peripheral/" + id, ["property"] = "addr" });
        uint first = 0x8000_0000u | (uint)((addr["return"]?.GetValue<long>() ?? throw new QemuException(addr.ToJsonString())) / LmbSize);
        Model.NextDimmFirstLmb = first;
        Model.AddDimm(id, lmbs).Should().Be((HostOutcome.Ok, first));
        return first;
    }

    public void Dispose()
    {
        _qemu.Dispose();
        Model.Dispose();
    }

    public static uint[] Cells(byte[] bytes)
    {
        var cells = new uint[bytes.Length / 4];
        for (int i = 0; i < cells.Length; i++)
        {
            cells[i] = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(i * 4));
        }

        return cells;
    }

    private static void Ok(JsonObject reply, string what)
    {
        if (reply["error"] is not null)
        {
            throw new QemuException($"{what}: {reply.ToJsonString()}");
        }
    }
}
