using System.Buffers;
using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.Extensions.Time.Testing;
using Spapr.Drc;

namespace Spapr.Drc.Benchmarks;

/// <summary>
/// Target 5: the snapshot of 100,000 one-LMB devices, 10% of them pending with a running timer (and their Remove
/// events queued), saved and loaded; against a loop that writes (reads) the records such a snapshot holds with
/// <see cref="BinaryPrimitives"/>: a 7-byte record per connector (the snapshot itself skips connectors in their
/// cold-plug state, but has to look at each), and a 61-byte unplug record and a 24-byte event record per
/// pending device.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SnapshotBenchmarks : IDisposable
{
    public const int Connectors = 100_000;
    public const int Pending = Connectors / 10;
    private const int ConnectorRecord = 7;
    private const int UnplugRecord = 61;
    private const int EventRecord = 24;

    private DrcRegistry _registry = null!;
    private ArrayBufferWriter<byte> _output = null!;
    private byte[] _saved = null!;
    private byte[] _records = null!;
    private long[] _readBack = null!;

    /// <summary>The records a pending device puts in the snapshot, as the baseline writes them.</summary>
    public static int RecordBytes => (Connectors * ConnectorRecord) + (Pending * (UnplugRecord + EventRecord));

    [GlobalSetup]
    public void Setup()
    {
        _registry = Machines.WithLmbDevices(Connectors, new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        for (uint i = 0; i < Connectors; i += Connectors / Pending)
        {
            _registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, i), TimeSpan.FromSeconds(30));
        }

        _output = new ArrayBufferWriter<byte>(RecordBytes * 2);
        _registry.SaveSnapshot(_output);
        _saved = _output.WrittenSpan.ToArray();
        _records = new byte[RecordBytes];
        _readBack = new long[Connectors + (Pending * 7)];
    }

    /// <summary>The snapshot's size in bytes, for the report.</summary>
    public int SnapshotBytes => _saved.Length;

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Save")]
    public int WriteRecords()
    {
        var span = _records.AsSpan();
        int at = 0;
        for (int i = 0; i < Connectors; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)i);
            span[at + 4] = 8;
            span[at + 5] = 4;
            span[at + 6] = 3;
            at += ConnectorRecord;
        }

        for (int i = 0; i < Pending; i++)
        {
            var record = span.Slice(at, UnplugRecord);
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)i);
            BinaryPrimitives.WriteInt64LittleEndian(record[4..], i);
            record[12] = 2;
            BinaryPrimitives.WriteInt64LittleEndian(record[13..], TimeSpan.TicksPerMinute);
            BinaryPrimitives.WriteInt64LittleEndian(record[21..], TimeSpan.TicksPerSecond * 30);
            BinaryPrimitives.WriteInt64LittleEndian(record[29..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(record[37..], 1);
            BinaryPrimitives.WriteUInt32LittleEndian(record[41..], 1);
            BinaryPrimitives.WriteUInt32LittleEndian(record[45..], (uint)i);
            BinaryPrimitives.WriteUInt32LittleEndian(record[49..], 1);
            BinaryPrimitives.WriteUInt32LittleEndian(record[53..], (uint)i);
            BinaryPrimitives.WriteUInt32LittleEndian(record[57..], 1);
            at += UnplugRecord;
        }

        for (int i = 0; i < Pending; i++)
        {
            var record = span.Slice(at, EventRecord);
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)i);
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], 0x0302_0100);
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)i);
            BinaryPrimitives.WriteUInt32LittleEndian(record[12..], 1);
            BinaryPrimitives.WriteInt64LittleEndian(record[16..], i);
            at += EventRecord;
        }

        return at;
    }

    [Benchmark]
    [BenchmarkCategory("Save")]
    public long Save()
    {
        _output.ResetWrittenCount();
        return _registry.SaveSnapshot(_output);
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Load")]
    public long ReadRecords()
    {
        ReadOnlySpan<byte> span = _records;
        var fields = _readBack.AsSpan();
        int at = 0;
        long sum = 0;
        for (int i = 0; i < Connectors; i++)
        {
            fields[i] = BinaryPrimitives.ReadUInt32LittleEndian(span[at..]) | ((long)span[at + 5] << 32) | ((long)span[at + 6] << 40);
            at += ConnectorRecord;
        }

        for (int i = 0; i < Pending; i++)
        {
            var record = span.Slice(at, UnplugRecord);
            int f = Connectors + (i * 4);
            fields[f] = BinaryPrimitives.ReadInt64LittleEndian(record[4..]) + record[12];
            fields[f + 1] = BinaryPrimitives.ReadInt64LittleEndian(record[13..]) + BinaryPrimitives.ReadInt64LittleEndian(record[21..]);
            fields[f + 2] = BinaryPrimitives.ReadInt64LittleEndian(record[29..]) + BinaryPrimitives.ReadUInt32LittleEndian(record);
            fields[f + 3] = BinaryPrimitives.ReadUInt32LittleEndian(record[37..]) + BinaryPrimitives.ReadUInt32LittleEndian(record[41..])
                + BinaryPrimitives.ReadUInt32LittleEndian(record[45..]) + BinaryPrimitives.ReadUInt32LittleEndian(record[49..])
                + BinaryPrimitives.ReadUInt32LittleEndian(record[53..]) + BinaryPrimitives.ReadUInt32LittleEndian(record[57..]);
            at += UnplugRecord;
        }

        for (int i = 0; i < Pending; i++)
        {
            var record = span.Slice(at, EventRecord);
            int f = Connectors + (Pending * 4) + (i * 3);
            fields[f] = BinaryPrimitives.ReadUInt32LittleEndian(record) + BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
            fields[f + 1] = BinaryPrimitives.ReadUInt32LittleEndian(record[8..]) + BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
            fields[f + 2] = BinaryPrimitives.ReadInt64LittleEndian(record[16..]);
            sum += fields[f + 2];
            at += EventRecord;
        }

        return sum + at;
    }

    [Benchmark]
    [BenchmarkCategory("Load")]
    public int Load()
    {
        _registry.LoadSnapshot(_saved);
        return _saved.Length;
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _registry?.Dispose();
        GC.SuppressFinalize(this);
    }
}
