using Microsoft.Extensions.Time.Testing;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Dispatch;

/// <summary>
/// A registry on a fake clock (no logger: the allocation tests measure the RTAS path, not logging) plus 64 KiB of
/// guest RAM at 0x10000 and a dispatcher over both: the guest writes its argument buffer, makes the hypercall, and
/// reads its return cells, as a pSeries guest does through h_rtas.
/// </summary>
internal sealed class DispatchMachine : IDisposable
{
    public const ulong RamBase = 0x1_0000;
    public const int RamSize = 0x1_0000;

    /// <summary>Where the tests put the argument buffer.</summary>
    public const ulong Args = RamBase + 0x100;

    /// <summary>Where the tests put the configure-connector work area (4 KiB).</summary>
    public const ulong WorkArea = RamBase + 0x1000;

    /// <summary>Where the tests put the check-exception buffer.</summary>
    public const ulong EventBuffer = RamBase + 0x3000;

    public const uint SetIndicator = 0x201A;
    public const uint GetSensorState = 0x201D;
    public const uint ConfigureConnector = 0x201E;
    public const uint CheckException = 0x200E;
    public const uint EventScan = 0x200F;

    public const uint Poisoned = 0xA5A5_A5A5;
    public const uint ParameterError = 0xFFFF_FFFD;

    public DispatchMachine(RtasTokens? tokens = null)
    {
        Clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Registry = new DrcRegistry(timeProvider: Clock);
        Memory = new FakeGuestMemory(RamBase, RamSize);
        Memory.Fill(RamBase, RamSize, FakeGuestMemory.Poison);
        Dispatcher = tokens is null ? new RtasDispatcher(Registry, Memory) : new RtasDispatcher(Registry, Memory, tokens);
    }

    public FakeTimeProvider Clock { get; }

    public DrcRegistry Registry { get; }

    public FakeGuestMemory Memory { get; }

    public RtasDispatcher Dispatcher { get; }

    /// <summary>The last call's return cells, read back from guest memory.</summary>
    public uint[] Rets { get; private set; } = [];

    /// <summary>Lays out a call at <paramref name="at"/> (return cells poisoned), dispatches it, and reads the return cells back.</summary>
    public RtasDispatchResult Call(uint token, uint[] args, int nret, ulong at = Args)
    {
        WriteBuffer(at, token, (uint)args.Length, (uint)nret, args);
        var result = Dispatcher.Dispatch(at);
        Rets = Memory.ReadCells(at + 12 + (ulong)(4 * args.Length), nret);
        return result;
    }

    /// <summary>The header with counts that need not match the cells, the arguments, and poisoned return cells (plus one).</summary>
    public void WriteBuffer(ulong at, uint token, uint nargs, uint nret, uint[] args)
    {
        Memory.WriteCells(at, token, nargs, nret);
        Memory.WriteCells(at + 12, args);
        Memory.Fill(at + 12 + (ulong)(4 * args.Length), 4 * ((int)Math.Min(nret, 8u) + 1), FakeGuestMemory.Poison);
    }

    /// <summary>The cell right after the declared return cells: it must stay poisoned.</summary>
    public uint CellAfterRets(uint[] args, int nret, ulong at = Args) => Memory.ReadCells(at + 12 + (ulong)(4 * (args.Length + nret)), 1)[0];

    public RtasDispatchResult SetIndicatorCall(uint indicator, DrcIndex index, uint value) => Call(SetIndicator, [indicator, index.Value, value], 1);

    public RtasDispatchResult SenseCall(DrcIndex index) => Call(GetSensorState, [9003, index.Value], 2);

    /// <summary>One configure-connector call on the work area at <paramref name="workArea"/>, whose first cell the guest set to the index.</summary>
    public RtasDispatchResult ConfigureCall(uint index, ulong workArea = WorkArea, bool start = true)
    {
        if (start)
        {
            Memory.WriteCells(workArea, index, 0);
        }

        return Call(ConfigureConnector, [(uint)workArea, (uint)(workArea >> 32)], 1);
    }

    public RtasDispatchResult CheckExceptionCall(uint mask = 0xFFFF_FFFF, ulong buffer = EventBuffer, uint length = 2048) =>
        Call(CheckException, [0, 0, mask, 0, (uint)buffer, length], 1);

    public SpaprDrc Create(DrcType type, uint id) => Registry.CreateConnector(type, id);

    /// <summary>Attaches a device that arrived while the guest runs (an Add event is queued).</summary>
    public void HotPlug(SpaprDrc drc, DeviceTreeNode? fragment = null) => Registry.Attach(drc.Index, drc.Name, fragment ?? Fragments.Simple(), PlugMode.Hot);

    /// <summary>Attaches a device present at boot (ready state, no event).</summary>
    public void ColdPlug(SpaprDrc drc, DeviceTreeNode? fragment = null) => Registry.Attach(drc.Index, drc.Name, fragment ?? Fragments.Simple(), PlugMode.Cold);

    public RtasStatus Isolate(SpaprDrc drc) => Registry.Rtas.SetIndicator(9001, drc.Index.Value, 0);

    public RtasStatus Unisolate(SpaprDrc drc) => Registry.Rtas.SetIndicator(9001, drc.Index.Value, 1);

    public RtasStatus Usable(SpaprDrc drc) => Registry.Rtas.SetIndicator(9003, drc.Index.Value, 1);

    public void Dispose() => Registry.Dispose();
}
