using Microsoft.Extensions.Time.Testing;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Snapshot;

/// <summary>
/// A random machine driven through random host and guest operations from one seed: devices of every type (memory
/// devices over several LMBs), hot and cold plug, pending unplugs with and without timeouts, timers part-way,
/// interrupted configure-connector sequences, queued events.
/// </summary>
internal sealed class RandomMachine : IDisposable
{
    private readonly Random _random;
    private readonly Machine _machine;

    public RandomMachine(int seed, int operations)
    {
        _random = new Random(seed);
        Options = new DrcOptions { TimeoutPolicy = _random.Next(2) == 0 ? UnplugTimeoutPolicy.KeepPending : UnplugTimeoutPolicy.ClearRequest };
        if (_random.Next(2) == 0)
        {
            Options.SetUnplugTimeout(DrcType.Lmb, TimeSpan.FromSeconds(20));
        }

        if (_random.Next(2) == 0)
        {
            Options.SetUnplugTimeout(DrcType.Pci, TimeSpan.FromMilliseconds(7500));
        }

        _machine = new Machine(Options, SnapshotTestKit.Start);
        Build();
        for (int i = 0; i < operations; i++)
        {
            Step();
        }
    }

    public DrcOptions Options { get; }

    public FakeTimeProvider Clock => _machine.Clock;

    public DrcRegistry Registry => _machine.Registry;

    public void Dispose() => _machine.Dispose();

    private void Build()
    {
        var r = Registry;
        if (_random.Next(2) == 0)
        {
            r.NegotiateClientArchitecture(_random.Next(3) != 0);
        }

        r.CreateConnectors(DrcType.Cpu, 0, 4);
        r.CreateConnectors(DrcType.Phb, 0, 2);
        r.CreateConnectors(DrcType.Pci, 0, 8, DrcIndex.From(DrcType.Phb, 1));
        r.CreateConnectors(DrcType.Lmb, 0, 24);
        r.CreateConnectors(DrcType.Pmem, 0, 2);
        r.Attach(DrcIndex.From(DrcType.Cpu, 0), "cpu0", Fragments.Nested("cpu"), PlugMode.Cold);
        for (uint id = 1; id < 4; id++)
        {
            MaybeAttach(DrcIndex.From(DrcType.Cpu, id), "cpu" + id);
        }

        MaybeAttach(DrcIndex.From(DrcType.Phb, 0), "phb0");
        MaybeAttach(DrcIndex.From(DrcType.Phb, 1), "phb1");
        foreach (uint function in new uint[] { 1, 0, 2, 5 })
        {
            MaybeAttach(DrcIndex.From(DrcType.Pci, function), "fn" + function);
        }

        for (uint id = 0; id < 2; id++)
        {
            MaybeAttach(DrcIndex.From(DrcType.Pmem, id), "pmem" + id);
        }

        uint lmb = 0;
        while (lmb < 24)
        {
            int size = _random.Next(1, 7);
            if (lmb + size > 24)
            {
                break;
            }

            int choice = _random.Next(3);
            if (choice > 0)
            {
                r.AttachMemoryDevice(DrcIndex.From(DrcType.Lmb, lmb), size, "dimm" + lmb, i => Fragments.Nested("lmb"), choice == 1 ? PlugMode.Cold : PlugMode.Hot);
            }

            lmb += (uint)size + (uint)_random.Next(2);
        }
    }

    private void MaybeAttach(DrcIndex index, string device)
    {
        int choice = _random.Next(3);
        if (choice > 0)
        {
            Registry.TryAttach(index, device, Fragments.Nested(device), choice == 1 ? PlugMode.Cold : PlugMode.Hot, out _);
        }
    }

    private SpaprDrc PickConnector()
    {
        var connectors = Registry.Connectors;
        var withDevice = connectors.Where(c => c.Device is not null).ToList();
        return withDevice.Count > 0 && _random.Next(4) != 0 ? withDevice[_random.Next(withDevice.Count)] : connectors[_random.Next(connectors.Count)];
    }

    private void Step()
    {
        var r = Registry;
        var drc = PickConnector();
        switch (_random.Next(14))
        {
            case 13:
                // A new memory device where one may have left (or where an LMB still belongs to one being removed: refused).
                r.TryAttachMemoryDevice(DrcIndex.From(DrcType.Lmb, (uint)_random.Next(0, 22)), _random.Next(1, 3), "new" + _random.Next(), i => Fragments.Nested("lmb"), _random.Next(2) == 0 ? PlugMode.Cold : PlugMode.Hot, out _);
                break;
            case 0:
            case 1:
                r.RequestUnplug(drc.Index, _random.Next(4) == 0 ? TimeSpan.FromSeconds(_random.Next(1, 30)) : null);
                break;
            case 2:
                r.Rtas.SetIndicator((uint)RtasIndicator.Isolation, drc.Index.Value, 0);
                break;
            case 3:
                r.Rtas.SetIndicator((uint)RtasIndicator.Allocation, drc.Index.Value, 0);
                break;
            case 4:
                r.Rtas.SetIndicator((uint)RtasIndicator.Isolation, drc.Index.Value, 1);
                break;
            case 5:
                r.Rtas.SetIndicator((uint)RtasIndicator.Allocation, drc.Index.Value, 1);
                break;
            case 6:
            case 7:
                _machine.ConfigureOnce(drc.Index);
                break;
            case 8:
                Clock.Advance(TimeSpan.FromMilliseconds(_random.Next(0, 12_000)));
                break;
            case 9:
                if (_random.Next(3) == 0)
                {
                    r.CancelUnplug(drc.Index);
                }

                break;
            case 10:
                r.Rtas.CheckException(uint.MaxValue, new byte[DrcRtas.EventLogSize], out _);
                break;
            case 11:
                r.Rtas.SetIndicator((uint)RtasIndicator.DrIndicator, drc.Index.Value, (uint)_random.Next(4));
                break;
            default:
                // The guest completes a removal: isolate, then release the resource.
                r.Rtas.SetIndicator((uint)RtasIndicator.Isolation, drc.Index.Value, 0);
                r.Rtas.SetIndicator((uint)RtasIndicator.Allocation, drc.Index.Value, 0);
                break;
        }
    }
}
