namespace Spapr.Drc.Tests.Model;

/// <summary>
/// A small, independent reference model of SPEC sections 3-6 for a handful of connectors, with devices that own their
/// connectors until their removal ends (a memory device keeps the LMBs the guest released; a PHB's release takes its
/// slots and the cards in them along). It uses only the library's value types (enums, numbers) and never its logic:
/// every rule here is re-stated from SPEC.md and the device rules of the issue "From connectors to devices".
/// </summary>
internal sealed class ReferenceModel
{
    /// <summary>The configure-connector codes of <see cref="Support.Fragments.WithChild"/>: node, 2 props, child node, prop, up, done.</summary>
    public static readonly int[] FragmentCodes = [2, 3, 3, 2, 3, 4, 0];

    private readonly UnplugTimeoutPolicy _policy;

    public ReferenceModel(UnplugTimeoutPolicy policy, DateTimeOffset now, IEnumerable<(uint Index, uint? Owner)> connectors)
    {
        _policy = policy;
        Now = now;
        foreach (var (index, owner) in connectors)
        {
            Connectors.Add(index, new Connector(index, owner));
        }
    }

    public SortedDictionary<uint, Connector> Connectors { get; } = [];

    public List<Event> Events { get; } = [];

    public Dictionary<string, int> Counts { get; } = [];

    public DateTimeOffset Now { get; private set; }

    public bool Negotiated { get; private set; }

    public IEnumerable<Connector> Existing => Connectors.Values.Where(c => c.Exists);

    public Connector? Find(uint index) => Connectors.TryGetValue(index, out var c) && c.Exists ? c : null;

    // ---- Host side (SPEC section 5) ----

    public bool Attach(uint index, object device, bool hasFragment, bool hot)
    {
        if (index >> 28 == 8)
        {
            return AttachMemory(index, 1, device, hasFragment, hot);
        }

        var c = Find(index);
        if (c is null || c.Owning is not null)
        {
            return false;
        }

        var single = new ModelDevice(device, [c]);
        if (c.Physical && hot)
        {
            uint function = c.Id & 7;
            var function0 = Find(index & ~7u);
            if (function != 0 && function0?.Device is not null)
            {
                return false;
            }

            Plug(c, single, hasFragment, hot);
            if (function == 0)
            {
                Queue(HotplugType.Pci, HotplugAction.Add, HotplugIdentifier.DrcIndex, c.Index, 1);
                foreach (var other in SlotOf(c).Where(f => f != c && f.Device is not null))
                {
                    Queue(HotplugType.Pci, HotplugAction.Add, HotplugIdentifier.DrcIndex, other.Index, 1);
                }
            }

            return true;
        }

        Plug(c, single, hasFragment, hot);
        if (hot)
        {
            Queue(HotplugTypeOf(c), HotplugAction.Add, HotplugIdentifier.DrcIndex, c.Index, 1);
        }

        return true;
    }

    public bool AttachMemory(uint first, int count, object device, bool hasFragment, bool hot)
    {
        var members = new List<Connector>();
        for (uint i = 0; i < count; i++)
        {
            var c = Find(first + i);
            if (c is null || c.Owning is not null)
            {
                return false;
            }

            members.Add(c);
        }

        var memory = new ModelDevice(device, members);
        foreach (var c in members)
        {
            Plug(c, memory, hasFragment, hot);
        }

        if (hot)
        {
            if (Negotiated)
            {
                Queue(HotplugType.Memory, HotplugAction.Add, HotplugIdentifier.DrcCountIndexed, first, (uint)count);
            }
            else
            {
                Queue(HotplugType.Memory, HotplugAction.Add, HotplugIdentifier.DrcCount, 0, (uint)count);
            }
        }

        return true;
    }

    public (UnplugRequestStatus Status, TimeSpan? Remaining) RequestUnplug(uint index, TimeSpan? timeoutOverride)
    {
        var c = Find(index);
        if (c?.Owning is not { } device)
        {
            return (UnplugRequestStatus.NoDevice, null);
        }

        if (device.Members[0].Type == DrcType.Cpu && device.Members[0].Id == 0)
        {
            return (UnplugRequestStatus.NotAllowed, null);
        }

        if (device.Request is { } existing)
        {
            if (existing.Deadline is { } deadline)
            {
                var left = deadline - Now;
                return (UnplugRequestStatus.AlreadyPending, left < TimeSpan.Zero ? TimeSpan.Zero : left);
            }

            if (existing.TimedOut || c.Type == DrcType.Cpu)
            {
                // A retry keeps the request's own timeout unless it gives one; function 0 retries its whole slot.
                var retryTimeout = timeoutOverride ?? existing.Timeout;
                var retried = c.Physical && (c.Id & 7) == 0
                    ? SlotOf(c).Select(f => f.Request).OfType<Request>().Where(r => r == existing || r.TimedOut).Distinct().ToList()
                    : [existing];
                foreach (var request in retried)
                {
                    request.TimedOut = false;
                    request.Timeout = retryTimeout;
                }

                // After a partial release the guest is asked for exactly the LMBs the device still holds.
                QueueRemove(c, device, Runs(existing.Waiting));
                retried.ForEach(Arm);
                return (UnplugRequestStatus.Retried, retryTimeout);
            }

            return (UnplugRequestStatus.AlreadyPending, Timeout.InfiniteTimeSpan);
        }

        var timeout = timeoutOverride ?? DefaultTimeout(c.Type);
        var devices = c.Physical && (c.Id & 7) == 0
            ? SlotOf(c).Where(f => f.Held && f.Owning!.Request is null).Select(f => f.Owning!).ToList()
            : [device];
        var runs = Runs(device.Members.Where(m => m.Held));
        var created = devices.Select(d => NewRequest(d, timeout)).ToList();
        foreach (var request in created)
        {
            foreach (var member in request.Waiting.ToList())
            {
                if (member.State == member.EmptyState)
                {
                    Release(member, UnplugOutcome.Completed);
                }
            }
        }

        QueueRemove(c, device, runs);
        foreach (var request in created)
        {
            Arm(request);
        }

        return created.TrueForAll(r => r.Ended) ? (UnplugRequestStatus.CompletedImmediately, null) : (UnplugRequestStatus.Requested, timeout);
    }

    public bool Cancel(uint index)
    {
        if (Find(index)?.Owning?.Request is not { } request)
        {
            return false;
        }

        End(request, UnplugOutcome.Cancelled);
        return true;
    }

    public void Reset(bool negotiate)
    {
        foreach (var c in Connectors.Values.ToList())
        {
            if (c.Exists && c.Request is not null)
            {
                Release(c, UnplugOutcome.CompletedByReset);
            }
        }

        foreach (var c in Existing)
        {
            c.State = c.Held ? c.ReadyState : c.EmptyState;
            c.Cursor = 0;
            if (c.Physical)
            {
                c.DrIndicator = c.Held ? DrIndicator.Active : DrIndicator.Inactive;
            }
        }

        Events.Clear();
        Negotiated = negotiate;
    }

    public void Advance(TimeSpan by)
    {
        Now += by;
        var due = Existing.Select(c => c.Request).OfType<Request>().Distinct()
            .Where(r => r.Deadline is { } d && d <= Now).OrderBy(r => r.Deadline).ToList();
        foreach (var request in due)
        {
            request.Deadline = null;
            if (_policy == UnplugTimeoutPolicy.ClearRequest)
            {
                End(request, UnplugOutcome.TimedOut);
            }
            else
            {
                request.TimedOut = true;
                Count("UnplugTimedOut");
            }
        }
    }

    // ---- Guest side (SPEC sections 3 and 4) ----

    public int SetIndicator(uint type, uint index, uint value)
    {
        var c = Find(index);
        if (c is null)
        {
            return -3;
        }

        switch (type)
        {
            case 9001 when value <= 1:
                return c.Physical ? PhysicalIsolation(c, value) : LogicalIsolation(c, value);
            case 9003 when value <= 1 && !c.Physical:
                return Allocation(c, value);
            case 9002 when value <= 3 && c.Physical:
                c.DrIndicator = (DrIndicator)value;
                return 0;
            default:
                return -3;
        }
    }

    public (int Status, uint Value) GetSensorState(uint sensor, uint index)
    {
        var c = Find(index);
        if (sensor != 9003 || c is null)
        {
            return (-3, 0);
        }

        return (0, Sense(c));
    }

    public static uint Sense(Connector c) => c.Physical
        ? (c.Device is null ? 0u : 1u)
        : (c.State == DrcState.LogicalUnusable ? 2u : 1u);

    public int ConfigureConnector(uint index)
    {
        var c = Find(index);
        if (c is null)
        {
            return -3;
        }

        if (c.State is not (DrcState.LogicalUnisolate or DrcState.LogicalConfigured or DrcState.PhysicalUnisolate or DrcState.PhysicalConfigured))
        {
            return -9003;
        }

        if (c.Type == DrcType.Lmb && c.Request is { } request)
        {
            End(request, UnplugOutcome.RejectedByGuest);
        }

        if (!c.HasFragment)
        {
            return -1;
        }

        int code = FragmentCodes[c.Cursor];
        if (code == 0)
        {
            c.State = c.ReadyState;
            c.Cursor = 0;
        }
        else
        {
            c.Cursor++;
        }

        return code;
    }

    public (int Status, Event? Event) CheckException(uint mask)
    {
        var e = Events.FirstOrDefault(e => ((uint)e.Class & mask) != 0);
        if (e is null)
        {
            return (1, null);
        }

        Events.Remove(e);
        return (0, e);
    }

    private int LogicalIsolation(Connector c, uint value)
    {
        if (value == 0)
        {
            switch (c.State)
            {
                case DrcState.LogicalAvailable or DrcState.LogicalUnusable:
                    return 0;
                case DrcState.LogicalUnisolate:
                    return -3;
                default:
                    if (c.Type == DrcType.Lmb && c.Request is null)
                    {
                        return -1;
                    }

                    c.State = DrcState.LogicalAvailable;
                    return 0;
            }
        }

        switch (c.State)
        {
            case DrcState.LogicalUnusable:
                return -3;
            case DrcState.LogicalAvailable:
                c.State = DrcState.LogicalUnisolate;
                c.Cursor = 0;
                return 0;
            default:
                if (c.Request is { } request && c.Device is not null)
                {
                    End(request, UnplugOutcome.RejectedByGuest);
                }

                return 0;
        }
    }

    private int Allocation(Connector c, uint value)
    {
        if (value == 1)
        {
            if (c.State != DrcState.LogicalUnusable)
            {
                return 0;
            }

            if (c.Device is null || c.Request is not null)
            {
                return -3;
            }

            c.State = DrcState.LogicalAvailable;
            return 0;
        }

        switch (c.State)
        {
            case DrcState.LogicalUnusable:
                return 0;
            case DrcState.LogicalAvailable:
                c.State = DrcState.LogicalUnusable;
                if (c.Request is not null)
                {
                    Release(c, UnplugOutcome.Completed);
                }

                return 0;
            default:
                return -3;
        }
    }

    private int PhysicalIsolation(Connector c, uint value)
    {
        if (value == 0)
        {
            switch (c.State)
            {
                case DrcState.PhysicalPowerOn:
                    return 0;
                case DrcState.PhysicalUnisolate:
                    return -3;
                default:
                    c.State = DrcState.PhysicalPowerOn;
                    if (c.Request is not null)
                    {
                        Release(c, UnplugOutcome.Completed);
                    }

                    return 0;
            }
        }

        if (c.State != DrcState.PhysicalPowerOn)
        {
            return 0;
        }

        if (c.Device is null)
        {
            return -3;
        }

        c.State = DrcState.PhysicalUnisolate;
        c.Cursor = 0;
        return 0;
    }

    // ---- Shared ----

    // SPEC section 6 for CPU (15 s) and PHB/PCI (none); memory has 2 minutes, the library's deliberate difference
    // (a guest that cannot offline a DIMM's first LMB never calls: only a timeout reports it).
    private static TimeSpan DefaultTimeout(DrcType type) => type switch
    {
        DrcType.Cpu => TimeSpan.FromSeconds(15),
        DrcType.Lmb or DrcType.Pmem => TimeSpan.FromMinutes(2),
        _ => Timeout.InfiniteTimeSpan,
    };

    private static HotplugType HotplugTypeOf(Connector c) => c.Type switch
    {
        DrcType.Cpu => HotplugType.Cpu,
        DrcType.Phb => HotplugType.Phb,
        DrcType.Pci => HotplugType.Pci,
        DrcType.Lmb => HotplugType.Memory,
        _ => HotplugType.Pmem,
    };

    private static void Plug(Connector c, ModelDevice device, bool hasFragment, bool hot)
    {
        c.Owning = device;
        c.Held = true;
        c.HasFragment = hasFragment;
        c.Cursor = 0;
        if (!hot)
        {
            c.State = c.ReadyState;
            if (c.Physical)
            {
                c.DrIndicator = DrIndicator.Active;
            }
        }
    }

    /// <summary>Runs of consecutive connectors, in index order, as (first, count).</summary>
    private static List<(uint First, uint Count)> Runs(IEnumerable<Connector> connectors)
    {
        var runs = new List<(uint First, uint Count)>();
        foreach (var c in connectors.OrderBy(c => c.Index))
        {
            if (runs.Count > 0 && runs[^1].First + runs[^1].Count == c.Index)
            {
                runs[^1] = (runs[^1].First, runs[^1].Count + 1);
            }
            else
            {
                runs.Add((c.Index, 1));
            }
        }

        return runs;
    }

    private IEnumerable<Connector> SlotOf(Connector c)
    {
        for (uint f = 0; f < 8; f++)
        {
            if (Find((c.Index & ~7u) | f) is { } function)
            {
                yield return function;
            }
        }
    }

    private static Request NewRequest(ModelDevice device, TimeSpan timeout)
    {
        var request = new Request(device, [.. device.Members.Where(m => m.Held)], timeout);
        foreach (var m in request.Waiting)
        {
            m.Request = request;
        }

        device.Request = request;
        return request;
    }

    private void Arm(Request request)
    {
        if (!request.Ended && request.Timeout != Timeout.InfiniteTimeSpan)
        {
            request.Deadline = Now + request.Timeout;
        }
    }

    private void QueueRemove(Connector c, ModelDevice device, List<(uint First, uint Count)> runs)
    {
        if (c.Physical)
        {
            if ((c.Id & 7) != 0)
            {
                return;
            }

            foreach (var f in SlotOf(c).Reverse())
            {
                // Every function still present, including one whose own unplug was pending already (SPEC section 5).
                if (f.Held)
                {
                    Queue(HotplugType.Pci, HotplugAction.Remove, HotplugIdentifier.DrcIndex, f.Index, 1);
                }
            }
        }
        else if (c.Type == DrcType.Lmb)
        {
            foreach (var (first, count) in runs)
            {
                Queue(HotplugType.Memory, HotplugAction.Remove, HotplugIdentifier.DrcCountIndexed, first, count);
            }
        }
        else
        {
            Queue(HotplugTypeOf(c), HotplugAction.Remove, HotplugIdentifier.DrcIndex, device.Members[0].Index, 1);
        }
    }

    private void Release(Connector c, UnplugOutcome outcome)
    {
        var device = c.Owning!;
        var request = c.Request;
        c.Held = false;
        c.HasFragment = false;
        c.Request = null;
        c.Cursor = 0;
        if (request is not null)
        {
            request.Waiting.Remove(c);
            if (request.Waiting.Count == 0)
            {
                End(request, outcome);
            }
        }

        if (device.Members.TrueForAll(m => !m.Held))
        {
            // The device's removal ended: its connectors are free, and a PHB's slots leave with the cards in them.
            device.Members.ForEach(m => m.Owning = null);
            if (c.Type == DrcType.Phb)
            {
                RemoveOwnedBy(c.Index);
                Events.RemoveAll(e => e.Identifier != HotplugIdentifier.DrcCount && Find(e.Index) is null);
            }
        }
    }

    private void RemoveOwnedBy(uint owner)
    {
        foreach (var owned in Existing.Where(o => o.Owner == owner).ToList())
        {
            RemoveOwnedBy(owned.Index);
            if (owned.Owning is { } device)
            {
                foreach (var m in device.Members)
                {
                    m.Held = false;
                    m.Request = null;
                    m.Cursor = 0;
                }

                if (device.Request is { } request)
                {
                    End(request, UnplugOutcome.RemovedWithOwner);
                }
                else
                {
                    Count("Terminal");
                    Count("RemovedWithOwner");
                }

                device.Members.ForEach(m => m.Owning = null);
            }

            owned.Exists = false;
        }
    }

    private void End(Request request, UnplugOutcome outcome)
    {
        request.Ended = true;
        request.Deadline = null;
        foreach (var m in request.Waiting)
        {
            if (m.Request == request)
            {
                m.Request = null;
            }
        }

        request.Device.Request = null;
        Count("Terminal");
        Count(outcome switch
        {
            UnplugOutcome.Completed => "Completed",
            UnplugOutcome.CompletedByReset => "CompletedByReset",
            UnplugOutcome.RejectedByGuest => "RejectedByGuest",
            UnplugOutcome.Cancelled => "Cancelled",
            UnplugOutcome.RemovedWithOwner => "RemovedWithOwner",
            _ => "UnplugTimedOut",
        });
    }

    private void Queue(HotplugType type, HotplugAction action, HotplugIdentifier identifier, uint index, uint count)
    {
        Events.Add(new Event(type, action, identifier, index, count, Negotiated ? RtasEventClasses.Hotplug : RtasEventClasses.Epow));
        Count("HotplugEventQueued");
    }

    private void Count(string what) => Counts[what] = Counts.GetValueOrDefault(what) + 1;

    internal sealed class Connector(uint index, uint? owner)
    {
        public uint Index { get; } = index;

        public uint? Owner { get; } = owner;

        public DrcType Type => (DrcType)(Index >> 28);

        public uint Id => Index & 0x0FFF_FFFF;

        public bool Physical => Type == DrcType.Pci;

        public DrcState EmptyState => Physical ? DrcState.PhysicalPowerOn : DrcState.LogicalUnusable;

        public DrcState ReadyState => Physical ? DrcState.PhysicalConfigured : DrcState.LogicalConfigured;

        public bool Exists { get; set; } = true;

        public DrcState State { get; set; } = index >> 28 == 4 ? DrcState.PhysicalPowerOn : DrcState.LogicalUnusable;

        /// <summary>The device that owns the connector from attach until its removal ends.</summary>
        public ModelDevice? Owning { get; set; }

        /// <summary>Whether the connector holds its device (not released by the guest yet).</summary>
        public bool Held { get; set; }

        public object? Device => Held ? Owning?.Device : null;

        public bool HasFragment { get; set; }

        public int Cursor { get; set; }

        public DrIndicator DrIndicator { get; set; }

        public Request? Request { get; set; }
    }

    internal sealed class ModelDevice(object device, List<Connector> members)
    {
        public object Device { get; } = device;

        public List<Connector> Members { get; } = members;

        public Request? Request { get; set; }
    }

    internal sealed class Request(ModelDevice device, List<Connector> waiting, TimeSpan timeout)
    {
        public ModelDevice Device { get; } = device;

        /// <summary>The connectors the guest has not released yet.</summary>
        public List<Connector> Waiting { get; } = waiting;

        public TimeSpan Timeout { get; set; } = timeout;

        public DateTimeOffset? Deadline { get; set; }

        public bool TimedOut { get; set; }

        public bool Ended { get; set; }
    }

    internal sealed record Event(HotplugType Type, HotplugAction Action, HotplugIdentifier Identifier, uint Index, uint Count, RtasEventClasses Class);
}
