using BenchmarkDotNet.Attributes;
using Spapr.Drc;

namespace Spapr.Drc.Benchmarks;

/// <summary>
/// RTAS through <see cref="RtasDispatcher"/>: each call kind read from and written back to guest memory, next to the
/// same call on <see cref="DrcRtas"/> directly (the baseline). Target: 0 B allocated per call, whatever the kind.
/// </summary>
[MemoryDiagnoser]
public class RtasDispatchBenchmarks : IDisposable
{
    private const ulong RamBase = 0x1_0000;
    private const ulong SetIndicatorNoOpAt = RamBase + 0x100;
    private const ulong AllocateUnusableAt = RamBase + 0x140;
    private const ulong AllocateUsableAt = RamBase + 0x180;
    private const ulong GetSensorStateAt = RamBase + 0x1C0;
    private const ulong ConfigureConnectorAt = RamBase + 0x200;
    private const ulong CheckExceptionAt = RamBase + 0x240;
    private const ulong EventScanAt = RamBase + 0x280;
    private const ulong UnknownTokenAt = RamBase + 0x2C0;
    private const ulong WrongCountsAt = RamBase + 0x300;
    private const ulong WorkArea = RamBase + 0x1000;
    private const ulong EventBuffer = RamBase + 0x3000;

    private DrcRegistry _registry = null!;
    private RtasDispatcher _dispatcher = null!;
    private GuestRam _ram = null!;
    private uint _cpu;

    /// <summary>Where each call kind's argument buffer is laid out, for the smoke mode.</summary>
    internal static (string Kind, ulong At)[] Calls =>
    [
        ("set_indicator", SetIndicatorNoOpAt),
        ("get_sensor_state", GetSensorStateAt),
        ("check_exception_empty", CheckExceptionAt),
        ("event_scan", EventScanAt),
        ("unknown_token", UnknownTokenAt),
        ("wrong_counts", WrongCountsAt),
    ];

    internal RtasDispatcher Dispatcher => _dispatcher;

    internal DrcRegistry Registry => _registry;

    [GlobalSetup]
    public void Setup()
    {
        _registry = Machines.WithLmbsAndCpu(16);
        _cpu = DrcIndex.From(DrcType.Cpu, Machines.CpuId).Value;
        uint isolated = Machines.AddIsolatedCpu(_registry).Value;
        _ram = new GuestRam(RamBase, 0x1_0000);
        _dispatcher = new RtasDispatcher(_registry, _ram);
        var t = RtasTokens.Qemu;
        _ram.WriteCall(SetIndicatorNoOpAt, t.TokenOf(RtasCall.SetIndicator), 1, 9001, _cpu, 1);
        _ram.WriteCall(AllocateUnusableAt, t.TokenOf(RtasCall.SetIndicator), 1, 9003, isolated, 0);
        _ram.WriteCall(AllocateUsableAt, t.TokenOf(RtasCall.SetIndicator), 1, 9003, isolated, 1);
        _ram.WriteCall(GetSensorStateAt, t.TokenOf(RtasCall.GetSensorState), 2, 9003, _cpu);
        _ram.WriteCall(ConfigureConnectorAt, t.TokenOf(RtasCall.ConfigureConnector), 1, (uint)WorkArea, 0);
        _ram.WriteCall(CheckExceptionAt, t.TokenOf(RtasCall.CheckException), 1, 0, 0, 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048);
        _ram.WriteCall(EventScanAt, t.TokenOf(RtasCall.EventScan), 1, 0xFFFF_FFFF, 0, (uint)EventBuffer, 2048);
        _ram.WriteCall(UnknownTokenAt, 0x2003, 1);
        _ram.WriteCall(WrongCountsAt, t.TokenOf(RtasCall.GetSensorState), 1, 9003);
        _ram.WriteCells(WorkArea, [_cpu, 0]);
    }

    /// <summary>The baseline: unisolate on a configured core, straight on <see cref="DrcRtas"/>.</summary>
    [Benchmark(Baseline = true)]
    public RtasStatus DirectSetIndicatorNoOp() => _registry.Rtas.SetIndicator(9001, _cpu, 1);

    /// <summary>The same unisolate through guest memory.</summary>
    [Benchmark]
    public int SetIndicatorNoOp() => _dispatcher.Dispatch(SetIndicatorNoOpAt).Status;

    /// <summary>Allocation unusable then usable on an isolated core: two real state changes (one call reported).</summary>
    [Benchmark(OperationsPerInvoke = 2)]
    public int SetIndicatorTransition()
    {
        _dispatcher.Dispatch(AllocateUnusableAt);
        return _dispatcher.Dispatch(AllocateUsableAt).Status;
    }

    [Benchmark]
    public int GetSensorState() => _dispatcher.Dispatch(GetSensorStateAt).Status;

    /// <summary>The whole configure-connector sequence of a CPU core fragment through guest memory (16 calls).</summary>
    [Benchmark]
    public int ConfigureConnectorWalk()
    {
        int calls = 1;
        while (_dispatcher.Dispatch(ConfigureConnectorAt).Status != 0)
        {
            calls++;
        }

        return calls;
    }

    /// <summary>
    /// check-exception: here with nothing queued (the call a guest makes on an event interrupt that finds nothing); the
    /// smoke mode queues events first (<see cref="QueueEvents"/>) to measure taking one.
    /// </summary>
    [Benchmark]
    public int CheckException() => _dispatcher.Dispatch(CheckExceptionAt).Status;

    [Benchmark]
    public int EventScan() => _dispatcher.Dispatch(EventScanAt).Status;

    [Benchmark]
    public int UnknownToken() => _dispatcher.Dispatch(UnknownTokenAt).Status;

    /// <summary>Queues <paramref name="count"/> Add events (host side, allocates) so that check-exception has something to take.</summary>
    internal void QueueEvents(int count)
    {
        var cpus = _registry.CreateConnectors(DrcType.Cpu, 0x100 + (uint)_registry.Count, count);
        foreach (var cpu in cpus)
        {
            _registry.Attach(cpu.Index, new object(), null, PlugMode.Hot);
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _registry?.Dispose();
        GC.SuppressFinalize(this);
    }
}
