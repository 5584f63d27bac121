using System.Buffers.Binary;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using Spapr.Drc.Stress.Infrastructure;
using Xunit.Abstractions;

namespace Spapr.Drc.Stress.Linearizability;

/// <summary>
/// Issue 9, part 2: registry operations run in parallel (CsCheck SampleParallel) must end in a state that some
/// sequential order of the same operations gives on <see cref="RegistryModel"/>.
/// </summary>
public sealed class LinearizabilityTests(ITestOutputHelper output)
{
    private const int CiSamples = 1_000;

    private static readonly DrcIndex[] Indexes =
    [
        DrcIndex.From(DrcType.Cpu, 0), DrcIndex.From(DrcType.Cpu, 1), DrcIndex.From(DrcType.Cpu, 2),
        DrcIndex.From(DrcType.Pci, 0x08), DrcIndex.From(DrcType.Pci, 0x10),
        DrcIndex.From(DrcType.Lmb, 0), DrcIndex.From(DrcType.Lmb, 1), DrcIndex.From(DrcType.Lmb, 2), DrcIndex.From(DrcType.Lmb, 3),
    ];

    private static readonly Gen<int> Slot = Gen.Int[0, Indexes.Length - 1];

    [Fact]
    public void RegistryOperations_InParallel_LinearizableAgainstSequentialModel()
    {
        // Boot CPU and a cold memory device over LMB 0-1, then a random mix of further cold and hot plugs.
        var initial = Gen.Select(Gen.Int[0, 2].Array[Indexes.Length], Gen.Int[1, 2], (modes, size) =>
        {
            var attachments = new List<(int Slot, int GroupSize, PlugMode Mode)> { (0, 1, PlugMode.Cold), (5, 2, PlugMode.Cold) };
            for (int slot = 1; slot < Indexes.Length; slot++)
            {
                if (modes[slot] > 0)
                {
                    attachments.Add((slot, slot == 7 ? size : 1, modes[slot] == 1 ? PlugMode.Cold : PlugMode.Hot));
                }
            }

            var model = new RegistryModel(Indexes, attachments);
            var actual = new Machine(attachments);
            return (actual, model);
        });

        var operations = new[]
        {
            Gen.Select(Slot, Gen.OneOfConst(9001u, 9003u, 9002u), Gen.Int[0, 1]).Operation<Machine, RegistryModel>(
                t => $"set-indicator({t.Item2}, {Indexes[t.Item1]}, {t.Item3})",
                (a, t) => a.Registry.Rtas.SetIndicator(t.Item2, Indexes[t.Item1].Value, (uint)t.Item3),
                (m, t) => m.SetIndicator(t.Item1, t.Item2, (uint)t.Item3)),
            Slot.Operation<Machine, RegistryModel>(
                s => $"configure-connector({Indexes[s]})",
                (a, s) => a.Configure(s),
                (m, s) => m.ConfigureConnector(s)),
            Slot.Operation<Machine, RegistryModel>(
                s => $"unplug({Indexes[s]})",
                (a, s) => a.Registry.RequestUnplug(Indexes[s]),
                (m, s) => m.RequestUnplug(s)),
            Slot.Operation<Machine, RegistryModel>(
                s => $"cancel({Indexes[s]})",
                (a, s) => a.Registry.CancelUnplug(Indexes[s]),
                (m, s) => m.CancelUnplug(s)),
            Gen.Select(Slot, Gen.Bool).Operation<Machine, RegistryModel>(
                t => $"attach({Indexes[t.Item1]}, {(t.Item2 ? "cold" : "hot")})",
                (a, t) => a.Attach(t.Item1, 1, t.Item2 ? PlugMode.Cold : PlugMode.Hot),
                (m, t) => m.Attach(t.Item1, 1, t.Item2 ? PlugMode.Cold : PlugMode.Hot)),
            Gen.Const(0).Operation<Machine, RegistryModel>(
                _ => "check-exception",
                (a, _) => a.CheckException(),
                (m, _) => m.CheckException()),
            Gen.Int[0, 19].Operation<Machine, RegistryModel>(
                r => r == 0 ? "reset" : "get-pending",
                (a, r) =>
                {
                    if (r == 0)
                    {
                        a.Registry.Reset();
                    }
                    else
                    {
                        _ = a.Registry.GetPendingUnplugs();
                    }
                },
                (m, r) =>
                {
                    if (r == 0)
                    {
                        m.Reset();
                    }
                }),
        };

        var time = StressMode.LongDuration;
        long samples = 0;
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            Check.SampleParallel(
                initial,
                operations,
                (actual, model) =>
                {
                    Interlocked.Increment(ref samples);
                    return actual.Matches(model);
                },
                iter: CiSamples,
                time: time is { } t ? (int)t.TotalSeconds : -1,
                printActual: a => a.ToString(),
                printModel: m => m.ToString(),
                writeLine: output.WriteLine);
        }
        finally
        {
            Machine.DisposeAll();
        }

        output.WriteLine($"{Interlocked.Read(ref samples):N0} model comparisons in {stopwatch.Elapsed.TotalSeconds:0.0} s (each sample compares until one sequential order matches)");
    }

    /// <summary>The registry under test: the machine of <see cref="Indexes"/> on a clock that never moves.</summary>
    internal sealed class Machine
    {
        private static readonly DeviceTreeNode Fragment = new DeviceTreeNode("dev@0").Add(DeviceTreeProperty.FromCells("reg", 1));

        private static readonly System.Collections.Concurrent.ConcurrentBag<DrcRegistry> Created = [];

        public Machine(IEnumerable<(int Slot, int GroupSize, PlugMode Mode)> attachments)
        {
            Registry = new DrcRegistry(null, new FakeTimeProvider());
            Created.Add(Registry);
            foreach (var index in Indexes)
            {
                Registry.CreateConnector(index.Type, index.Id);
            }

            foreach (var (slot, size, mode) in attachments)
            {
                Attach(slot, size, mode);
            }
        }

        public DrcRegistry Registry { get; }

        /// <summary>Each registry owns a Meter; dispose them so later listeners do not see thousands.</summary>
        public static void DisposeAll()
        {
            while (Created.TryTake(out var registry))
            {
                registry.Dispose();
            }
        }

        public void Attach(int slot, int size, PlugMode mode)
        {
            var index = Indexes[slot];
            if (index.Type == DrcType.Lmb)
            {
                Registry.TryAttachMemoryDevice(index, size, TestMachine.NewDevice(index), _ => Fragment, mode, out _);
            }
            else
            {
                Registry.TryAttach(index, TestMachine.NewDevice(index), Fragment, mode, out _);
            }
        }

        public void Configure(int slot)
        {
            Span<byte> workArea = stackalloc byte[256];
            BinaryPrimitives.WriteUInt32BigEndian(workArea, Indexes[slot].Value);
            Registry.Rtas.ConfigureConnector(workArea);
        }

        public void CheckException()
        {
            Span<byte> log = stackalloc byte[DrcRtas.EventLogSize];
            Registry.Rtas.CheckException(uint.MaxValue, log, out _);
        }

        public bool Matches(RegistryModel model)
        {
            Registry.AssertInvariants();
            var connectors = Registry.Connectors;
            for (int i = 0; i < connectors.Count; i++)
            {
                var drc = connectors[i];
                var slot = model.Slots[i];
                if (drc.State != slot.State || drc.Device is null == slot.Held || drc.IsUnplugPending != (slot.Request != 0)
                    || drc.Cursor != slot.Cursor || drc.DrIndicator != slot.DrIndicator)
                {
                    return false;
                }
            }

            return Registry.GetQueuedEvents().Count == model.Events && Registry.GetPendingUnplugs().Count == model.PendingRequests;
        }

        public override string ToString() =>
            string.Join(", ", Registry.Connectors.Select(c => $"{c.Index} {c.State} dev={(c.Device is null ? 0 : 1)} pending={c.IsUnplugPending} cur={c.Cursor} dr={c.DrIndicator}"))
            + $"; events {Registry.GetQueuedEvents().Count}";
    }
}
