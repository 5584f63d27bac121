using BenchmarkDotNet.Attributes;
using Spapr.Drc;

namespace Spapr.Drc.Benchmarks;

/// <summary>
/// Target 2: the guest's RTAS calls allocate nothing; get-sensor-state costs at most 4x a bare dictionary lookup.
/// Every benchmark reports the time of one call.
/// </summary>
[MemoryDiagnoser]
public class RtasBenchmarks : IDisposable
{
    private const uint EntitySense = 9003;
    private const uint Isolation = 9001;
    private const uint Allocation = 9003;

    private LookupFixture _fixture = null!;
    private DrcRegistry _registry = null!;
    private uint[] _keys = null!;
    private byte[] _workArea = null!;
    private uint _cpu;
    private uint _isolatedCpu;

    [GlobalSetup]
    public void Setup()
    {
        _fixture = new LookupFixture();
        _registry = _fixture.Registry;
        _keys = _fixture.Keys;
        _cpu = DrcIndex.From(DrcType.Cpu, Machines.CpuId).Value;
        _isolatedCpu = Machines.AddIsolatedCpu(_registry).Value;
        _workArea = new byte[DrcRtas.WorkAreaSize];
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Machines.LmbCount)]
    public int DictionaryTryGetValue() => _fixture.DictionaryTryGetValue();

    [Benchmark(OperationsPerInvoke = Machines.LmbCount)]
    public uint GetSensorState()
    {
        uint sum = 0;
        foreach (uint key in _keys)
        {
            _registry.Rtas.GetSensorState(EntitySense, key, out uint state);
            sum += state;
        }

        return sum;
    }

    /// <summary>Unisolate on a configured core: a successful no-op row.</summary>
    [Benchmark]
    public RtasStatus SetIndicatorNoOp() => _registry.Rtas.SetIndicator(Isolation, _cpu, 1);

    /// <summary>Allocation unusable then usable on an isolated core: Available to Unusable and back, two real state changes (one call reported).</summary>
    [Benchmark(OperationsPerInvoke = 2)]
    public RtasStatus SetIndicatorTransition()
    {
        _registry.Rtas.SetIndicator(Allocation, _isolatedCpu, 0);
        return _registry.Rtas.SetIndicator(Allocation, _isolatedCpu, 1);
    }

    /// <summary>The whole configure-connector sequence of a CPU core fragment (16 calls).</summary>
    [Benchmark]
    public int ConfigureConnectorWalk() => Walk(_registry.Rtas, _cpu, _workArea);

    [GlobalCleanup]
    public void Dispose()
    {
        _fixture?.Dispose();
        GC.SuppressFinalize(this);
    }

    internal static int Walk(DrcRtas rtas, uint index, byte[] workArea)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(workArea, index);
        int calls = 1;
        while (rtas.ConfigureConnector(workArea) != ConfigureConnectorStatus.Success)
        {
            calls++;
        }

        return calls;
    }
}
