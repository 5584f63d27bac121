using BenchmarkDotNet.Attributes;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Benchmarks;

/// <summary>
/// Issue 16's allocation target: a request with its timeout, and a request with its completion, on a registry whose
/// tables have reached their working set. One operation is one device's cycle; the Allocated column must read 0.
/// Time runs on the tests' <see cref="AllocationFreeClock"/> because FakeTimeProvider's timer re-arm allocates by itself.
/// Plugging the next devices (an <see cref="AttachedDevice"/> each: the host's own act) happens in the iteration setup.
/// </summary>
[MemoryDiagnoser]
public class UnplugCycleBenchmarks
{
    /// <summary>One-LMB devices per invocation: enough for a measurable invocation (iteration setups run one each).</summary>
    public const int Devices = 65_536;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly DeviceTreeNode Fragment = new DeviceTreeNode("lmb").Add(DeviceTreeProperty.FromCells("reg", 1));
    private readonly uint[] _args = new uint[6];
    private readonly uint[] _rets = new uint[1];
    private readonly byte[] _eventBuffer = new byte[DrcRtas.EventLogSize];
    private AllocationFreeClock _clock = null!;
    private DrcRegistry _registry = null!;
    private DrcIndex[] _lmbs = [];

    [GlobalSetup]
    public void Setup()
    {
        _clock = new AllocationFreeClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _registry = new DrcRegistry(new DrcOptions(), _clock);
        _registry.NegotiateClientArchitecture();
        _lmbs = _registry.CreateConnectors(DrcType.Lmb, 0, Devices).Select(c => c.Index).ToArray();
        _args[2] = (uint)RtasEventClasses.Hotplug;
        _args[5] = (uint)_eventBuffer.Length;

        // Warm-up: the tables grow to their working set. Completions leave their timer entries queued until a
        // compaction drops them (when they are over half the queue), so the queue reaches its largest size only after
        // a few completion cycles in a row; the measured runs do three of each kind, as here.
        for (int round = 0; round < 2; round++)
        {
            foreach (var cycle in new Action[] { RequestAndTimeout, RequestAndCompletion })
            {
                for (int i = 0; i < 3; i++)
                {
                    PlugAll();
                    cycle();
                }
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _registry.Dispose();

    /// <summary>Every device not plugged (after completions) gets a new one.</summary>
    [IterationSetup]
    public void PlugAll()
    {
        foreach (var lmb in _lmbs)
        {
            if (!_registry.TryGetDevice(lmb, out _))
            {
                _registry.AttachMemoryDevice(lmb, 1, "dimm", static _ => Fragment, PlugMode.Cold);
            }
        }
    }

    /// <summary>Each device: a request (or, once timed out, its retry), the guest taking the Remove event, the timeout.</summary>
    [Benchmark(OperationsPerInvoke = Devices)]
    public void RequestAndTimeout()
    {
        foreach (var lmb in _lmbs)
        {
            _registry.RequestUnplug(lmb, Timeout);
        }

        TakeEvents();
        _clock.Advance(Timeout + TimeSpan.FromSeconds(1));
    }

    /// <summary>Each device: a request, the guest taking the Remove event and releasing the LMB, the completion.</summary>
    [Benchmark(OperationsPerInvoke = Devices)]
    public void RequestAndCompletion()
    {
        foreach (var lmb in _lmbs)
        {
            _registry.RequestUnplug(lmb, Timeout);
        }

        TakeEvents();
        foreach (var lmb in _lmbs)
        {
            _registry.Rtas.SetIndicator(RtasIndicator.Isolation, lmb, 0);
            _registry.Rtas.SetIndicator(RtasIndicator.Allocation, lmb, 0);
        }
    }

    private void TakeEvents()
    {
        for (int i = 0; i < _lmbs.Length; i++)
        {
            _registry.Rtas.CheckException(_args, _rets, _eventBuffer);
        }
    }
}
