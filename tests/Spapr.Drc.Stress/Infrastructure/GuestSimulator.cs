using System.Buffers.Binary;

namespace Spapr.Drc.Stress.Infrastructure;

/// <summary>
/// One vCPU's view of the RTAS surface: Linux's acquire and release sequences, event handling via check-exception,
/// and deliberately wrong calls. Every status it sees is checked against the codes SPEC section 4 lists.
/// </summary>
internal sealed class GuestSimulator(DrcRegistry registry, Random random, IReadOnlyList<DrcIndex> indexes)
{
    private static readonly int[] SetIndicatorCodes = [0, -1, -3];
    private static readonly int[] ConfigureCodes = [0, 2, 3, 4, -1, -3, -9003];

    private readonly DrcRtas _rtas = registry.Rtas;
    private readonly byte[] _workArea = new byte[DrcRtas.WorkAreaSize];
    private readonly byte[] _log = new byte[DrcRtas.EventLogSize];

    public long Calls { get; private set; }

    public List<string> Violations { get; } = [];

    /// <summary>One random guest action (a few RTAS calls).</summary>
    public void Step()
    {
        switch (random.Next(10))
        {
            case 0:
            case 1:
            case 2:
                HandleEvent();
                break;
            case 3:
                Acquire(Pick());
                break;
            case 4:
                Release(Pick());
                break;
            case 5:
                // Reject: unisolate while an unplug may be pending.
                SetIndicator(9001, Pick().Value, 1);
                break;
            case 6:
                Configure(Pick().Value, random.Next(1, 4));
                break;
            case 7:
                SetIndicator((uint)random.Next(9000, 9005), random.Next(4) == 0 ? (uint)random.Next() : Pick().Value, random.Next(5) == 0 ? (uint)random.Next() : (uint)random.Next(5));
                break;
            case 8:
                SenseState(Pick());
                break;
            default:
                WrongCellCounts();
                break;
        }
    }

    public void Acquire(DrcIndex index)
    {
        if (index.Type == DrcType.Pci)
        {
            if (SetIndicator(9001, index.Value, 1) == 0)
            {
                Configure(index.Value, 64);
                SetIndicator(9002, index.Value, 1);
            }

            return;
        }

        if (SetIndicator(9003, index.Value, 1) == 0 && SetIndicator(9001, index.Value, 1) == 0)
        {
            Configure(index.Value, 64);
        }
    }

    public void Release(DrcIndex index)
    {
        if (index.Type == DrcType.Pci)
        {
            SetIndicator(9002, index.Value, 0);
            SetIndicator(9001, index.Value, 0);
            return;
        }

        if (SetIndicator(9001, index.Value, 0) == 0)
        {
            SetIndicator(9003, index.Value, 0);
        }
    }

    private DrcIndex Pick() => indexes[random.Next(indexes.Count)];

    private void HandleEvent()
    {
        uint mask = random.Next(4) switch
        {
            0 => (uint)RtasEventClasses.Epow,
            1 => (uint)RtasEventClasses.Hotplug,
            2 => (uint)random.Next(),
            _ => uint.MaxValue,
        };
        var buffer = random.Next(50) == 0 ? _log.AsSpan(0, random.Next(DrcRtas.EventLogSize)) : _log;
        var status = _rtas.CheckException(mask, buffer, out var e);
        Calls++;
        Expect("check-exception", (int)status, [0, 1, -3]);
        if (e is null)
        {
            return;
        }

        var targets = new List<DrcIndex>();
        if (e.Identifier == HotplugIdentifier.DrcCount)
        {
            // Memory add by count: the guest picks LMBs it can acquire.
            foreach (var drc in registry.Connectors)
            {
                if (targets.Count < e.Count && drc.Type == DrcType.Lmb && drc.Device is not null && drc.State == DrcState.LogicalUnusable)
                {
                    targets.Add(drc.Index);
                }
            }
        }
        else
        {
            for (uint i = 0; i < e.Count; i++)
            {
                targets.Add(new DrcIndex(e.Index!.Value.Value + i));
            }
        }

        foreach (var index in targets)
        {
            // A guest sometimes refuses to let go (it rejects instead), and sometimes ignores the event.
            int choice = random.Next(10);
            if (choice < 3)
            {
                continue;
            }

            if (e.Action == HotplugAction.Add)
            {
                Acquire(index);
            }
            else if (choice == 3)
            {
                SetIndicator(9001, index.Value, 1);
            }
            else
            {
                Release(index);
            }
        }
    }

    private int SetIndicator(uint type, uint index, uint value)
    {
        int status;
        if (random.Next(2) == 0)
        {
            status = (int)_rtas.SetIndicator(type, index, value);
        }
        else
        {
            Span<uint> rets = stackalloc uint[1];
            _rtas.SetIndicator([type, index, value], rets);
            status = unchecked((int)rets[0]);
        }

        Calls++;
        Expect("set-indicator", status, SetIndicatorCodes);
        return status;
    }

    private void SenseState(DrcIndex index)
    {
        Span<uint> rets = stackalloc uint[2];
        _rtas.GetSensorState([9003, index.Value], rets);
        Calls++;
        Expect("get-sensor-state", unchecked((int)rets[0]), [0, -3]);
        if (rets[0] == 0 && rets[1] > 2)
        {
            Violations.Add($"get-sensor-state({index}) returned entity sense {rets[1]}");
        }
    }

    private void Configure(uint index, int maxCalls)
    {
        for (int i = 0; i < maxCalls; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(_workArea, index);
            int status = (int)_rtas.ConfigureConnector(_workArea);
            Calls++;
            Expect("configure-connector", status, ConfigureCodes);
            if (status is not (2 or 3 or 4))
            {
                return;
            }
        }
    }

    private void WrongCellCounts()
    {
        Span<uint> args = stackalloc uint[4] { 9001, indexes[0].Value, 1, 0 };
        Span<uint> rets = stackalloc uint[3];
        int nargs = random.Next(5);
        int nret = random.Next(4);
        rets.Fill(0xDEAD);
        if (random.Next(2) == 0)
        {
            _rtas.SetIndicator(args[..nargs], rets[..nret]);
            if (nargs != 3 || nret != 1)
            {
                CheckRefused("set-indicator", rets[..nret]);
            }
        }
        else
        {
            args[0] = 9003;
            _rtas.GetSensorState(args[..nargs], rets[..nret]);
            if (nargs != 2 || nret != 2)
            {
                CheckRefused("get-sensor-state", rets[..nret]);
            }
        }

        Calls++;
    }

    private void CheckRefused(string call, ReadOnlySpan<uint> rets)
    {
        if (!rets.IsEmpty && rets[0] != unchecked((uint)-3))
        {
            Violations.Add($"{call} with wrong cell counts returned {unchecked((int)rets[0])}");
        }
    }

    private void Expect(string call, int status, int[] allowed)
    {
        if (Array.IndexOf(allowed, status) < 0 && Violations.Count < 20)
        {
            Violations.Add($"{call} returned {status}, not a code SPEC lists");
        }
    }
}
