using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Model;

/// <summary>
/// A small reference model of devices over connectors, written from SPEC.md sections 3-6 and the device rules of the
/// issue "From connectors to devices" (it uses the library's enums and numbers, never its logic): a device owns its
/// connectors from attach until its removal ends; an LMB the guest released stays its DIMM's; a new request or a retry
/// asks for exactly the LMBs still held, one count-indexed Remove per run in LMB order, and completes with the last
/// one; cancel and rejection leave released LMBs released; a PHB's release removes its slots and ends every device in
/// them (RemovedWithOwner, request id 0 when none was pending), dropping their queued events; reset completes pending
/// unplugs (CompletedByReset) and then puts every connector in its cold-plug state. Every unplug notification a step
/// raises is collected in <see cref="Notes"/>.
/// </summary>
internal sealed class DeviceModel
{
    /// <summary>LMB connectors 0 .. 11.</summary>
    public const int Lmbs = 12;

    /// <summary>The PCI devfns each PHB owns a slot connector for: slot 1 functions 0 and 1, slot 2 function 0.</summary>
    public static readonly uint[] DevFns = [0x08, 0x09, 0x10];

    /// <summary>The PHB ids.</summary>
    public static readonly uint[] PhbIds = [1, 2];

    /// <summary>The CPU ids; CPU 0 is the boot CPU.</summary>
    public static readonly uint[] CpuIds = [0, 1];

    private readonly UnplugTimeoutPolicy _policy;
    private readonly TimeSpan _lmbTimeout;
    private readonly TimeSpan _pciTimeout;

    public DeviceModel(UnplugTimeoutPolicy policy, TimeSpan lmbTimeout, TimeSpan pciTimeout, DateTimeOffset now)
    {
        _policy = policy;
        _lmbTimeout = lmbTimeout;
        _pciTimeout = pciTimeout;
        Now = now;
        foreach (var (index, owner) in Layout())
        {
            Connectors.Add(index, new Conn(index, owner));
        }
    }

    /// <summary>The connectors that exist now (a PHB's release removes its slots; its next attach creates them again).</summary>
    public SortedDictionary<uint, Conn> Connectors { get; } = [];

    /// <summary>Every device attached so far, ended ones included.</summary>
    public List<Dev> Devices { get; } = [];

    /// <summary>The hotplug event queue, oldest first.</summary>
    public List<Ev> Events { get; } = [];

    /// <summary>The unplug notifications raised since the harness last took them.</summary>
    public List<Note> Notes { get; } = [];

    /// <summary>How many hotplug events were queued since the harness last looked.</summary>
    public int Queued { get; set; }

    public DateTimeOffset Now { get; private set; }

    public static uint Index(DrcType type, uint id) => ((uint)type << 28) | id;

    public static uint PciId(uint phb, uint devfn) => (phb << 16) | devfn;

    /// <summary>The machine's connectors, owners first: CPUs, PHBs, the PHBs' PCI slots, LMBs.</summary>
    public static IEnumerable<(uint Index, uint? Owner)> Layout()
    {
        foreach (uint cpu in CpuIds)
        {
            yield return (Index(DrcType.Cpu, cpu), null);
        }

        foreach (uint phb in PhbIds)
        {
            yield return (Index(DrcType.Phb, phb), null);
        }

        foreach (uint phb in PhbIds)
        {
            foreach (uint devfn in DevFns)
            {
                yield return (Index(DrcType.Pci, PciId(phb, devfn)), Index(DrcType.Phb, phb));
            }
        }

        for (uint lmb = 0; lmb < Lmbs; lmb++)
        {
            yield return (Index(DrcType.Lmb, lmb), null);
        }
    }

    /// <summary>Every connector index the machine may have, and one it never has (CPU 7).</summary>
    public static uint[] Anywhere { get; } = [.. Layout().Select(l => l.Index), Index(DrcType.Cpu, 7)];

    public Conn? Find(uint index) => Connectors.GetValueOrDefault(index);

    public IEnumerable<Req> LiveRequests => Devices.Where(d => !d.Ended && d.Request is not null).Select(d => d.Request!);

    // ---- Host side (SPEC section 5 and the device rules) ----

    /// <summary>A memory device over consecutive LMBs; refused when one is missing or belongs to a device (then <paramref name="owner"/> names it).</summary>
    public bool AttachDimm(uint first, int count, bool hot, TestDevice device, out Dev? owner)
    {
        owner = null;
        var members = new List<Conn>();
        for (uint i = 0; i < count; i++)
        {
            var c = Find(Index(DrcType.Lmb, first + i));
            if (c is null)
            {
                return false;
            }

            if (c.Device is not null)
            {
                owner = c.Device;
                return false;
            }

            members.Add(c);
        }

        Plug(new Dev(device, DevKind.Dimm, members), hot);
        if (hot)
        {
            // The guest has not negotiated: a memory Add names a count.
            Queue(HotplugType.Memory, HotplugAction.Add, HotplugIdentifier.DrcCount, 0, (uint)count);
        }

        return true;
    }

    /// <summary>A CPU core, a PHB or a PCI card on one connector (on an LMB: a one-LMB memory device).</summary>
    public bool Attach(uint index, bool hot, TestDevice device, out Dev? owner)
    {
        owner = null;
        if (index >> 28 == (uint)DrcType.Lmb)
        {
            return AttachDimm(index & 0x0FFF_FFFF, 1, hot, device, out owner);
        }

        var c = Find(index);
        if (c is null)
        {
            return false;
        }

        if (c.Device is not null)
        {
            owner = c.Device;
            return false;
        }

        uint function = c.Id & 7;
        if (c.Physical && hot && function != 0 && Find(c.Index - function) is { Held: true })
        {
            // Hot plug of a non-zero function once function 0 is present is refused (SPEC section 5).
            return false;
        }

        var kind = c.Type switch
        {
            DrcType.Cpu => DevKind.Cpu,
            DrcType.Phb => DevKind.Phb,
            _ => DevKind.Card,
        };
        Plug(new Dev(device, kind, [c]), hot);
        if (hot)
        {
            if (!c.Physical)
            {
                Queue(c.Type == DrcType.Cpu ? HotplugType.Cpu : HotplugType.Phb, HotplugAction.Add, HotplugIdentifier.DrcIndex, c.Index, 1);
            }
            else if (function == 0)
            {
                // Function 0 makes the slot visible: its Add, then one for each function waiting behind it, in order.
                foreach (var f in Slot(c).Where(f => f.Held))
                {
                    Queue(HotplugType.Pci, HotplugAction.Add, HotplugIdentifier.DrcIndex, f.Index, 1);
                }
            }
        }

        if (kind == DevKind.Phb)
        {
            // The emulator creates the PHB's slot connectors again (its release took them along).
            foreach (uint devfn in DevFns)
            {
                uint slot = Index(DrcType.Pci, PciId(c.Id, devfn));
                Connectors.TryAdd(slot, new Conn(slot, c.Index));
            }
        }

        return true;
    }

    /// <summary>SPEC sections 5 and 6: what a request returns, and the request it made, retried or found (null when none).</summary>
    public (UnplugRequestStatus Status, TimeSpan? Remaining, Req? Request) RequestUnplug(uint index, TimeSpan? timeoutOverride)
    {
        if (Find(index) is not { } c || c.Device is not { } device)
        {
            return (UnplugRequestStatus.NoDevice, null, null);
        }

        if (device.Kind == DevKind.Cpu && device.Members[0].Id == 0)
        {
            return (UnplugRequestStatus.NotAllowed, null, null);
        }

        if (device.Request is { } existing)
        {
            return Repeat(c, device, existing, timeoutOverride);
        }

        var timeout = timeoutOverride ?? DefaultTimeout(c.Type);

        // Function 0 stands for its slot: every function present without a request of its own gets one.
        var devices = IsFunctionZero(c)
            ? Slot(c).Where(f => f.Held && f.Device!.Request is null).Select(f => f.Device!).ToList()
            : [device];
        var runs = Runs(device.Members.Where(m => m.Held));
        var created = devices.Select(d => NewRequest(d, timeout)).ToList();

        // What the guest never took is released at once; the Remove events still go out (as QEMU does), but for a
        // slot only for the functions left.
        foreach (var request in created)
        {
            foreach (var member in request.Waiting.OrderBy(m => m.Index).ToList())
            {
                if (member.State == member.EmptyState)
                {
                    Release(member, UnplugOutcome.Completed);
                }
            }
        }

        QueueRemove(c, device, runs);
        created.ForEach(Arm);
        var named = created.Single(r => r.Device == device);
        return created.TrueForAll(r => r.Ended)
            ? (UnplugRequestStatus.CompletedImmediately, null, named)
            : (UnplugRequestStatus.Requested, timeout, named);
    }

    public bool Cancel(uint index)
    {
        if (Find(index)?.Device?.Request is not { } request)
        {
            return false;
        }

        End(request, UnplugOutcome.Cancelled);
        return true;
    }

    /// <summary>SPEC section 5: pending unplugs complete (by index; a PHB's release takes its slots), then cold-plug states.</summary>
    public void Reset()
    {
        while (Connectors.Values.FirstOrDefault(c => c.Request is not null) is { } pending)
        {
            Release(pending, UnplugOutcome.CompletedByReset);
        }

        foreach (var c in Connectors.Values)
        {
            c.State = c.Held ? c.ReadyState : c.EmptyState;
            c.DrIndicator = c.Physical && c.Held ? DrIndicator.Active : DrIndicator.Inactive;
        }

        Events.Clear();
    }

    /// <summary>SPEC section 6: due timeouts fire; KeepPending leaves the request pending, ClearRequest ends it.</summary>
    public void Advance(TimeSpan by)
    {
        Now += by;
        foreach (var request in LiveRequests.Where(r => r.Deadline <= Now).OrderBy(r => r.Deadline).ToList())
        {
            request.Deadline = null;
            if (_policy == UnplugTimeoutPolicy.ClearRequest)
            {
                End(request, UnplugOutcome.TimedOut);
            }
            else
            {
                request.TimedOut = true;
                Notes.Add(new Note(request.Device, request, UnplugOutcome.TimedOut, Terminal: false));
            }
        }
    }

    // ---- Guest side (SPEC sections 3 and 4) ----

    public int SetIndicator(uint type, uint index, uint value)
    {
        if (Find(index) is not { } c)
        {
            return -3;
        }

        return type switch
        {
            Machine.Isolation when c.Physical => value == 0 ? PhysicalIsolate(c) : PhysicalUnisolate(c),
            Machine.Isolation => value == 0 ? LogicalIsolate(c) : LogicalUnisolate(c),
            Machine.Allocation when !c.Physical => value == 0 ? Unusable(c) : Usable(c),
            _ => -3,
        };
    }

    /// <summary>Entity sense: physical follows the device, logical the state.</summary>
    public (int Status, uint Value) Sense(uint index)
    {
        if (Find(index) is not { } c)
        {
            return (-3, 0);
        }

        uint value = c.Physical ? (c.Held ? 1u : 0u) : (c.State == DrcState.LogicalUnusable ? 2u : 1u);
        return (0, value);
    }

    /// <summary>A whole configure-connector walk: the status it ends with (every fragment here is well formed).</summary>
    public int ConfigureToEnd(uint index)
    {
        if (Find(index) is not { } c)
        {
            return -3;
        }

        if (c.State != c.UnisolateState && c.State != c.ReadyState)
        {
            return -9003;
        }

        if (c.Type == DrcType.Lmb && c.Request is { } request)
        {
            // Older kernels reject a memory unplug by configuring an LMB again.
            End(request, UnplugOutcome.RejectedByGuest);
        }

        if (!c.Held)
        {
            return -1;
        }

        c.State = c.ReadyState;
        return 0;
    }

    public Ev? CheckException()
    {
        if (Events.Count == 0)
        {
            return null;
        }

        var e = Events[0];
        Events.RemoveAt(0);
        return e;
    }

    private int LogicalIsolate(Conn c)
    {
        if (c.State is DrcState.LogicalUnusable or DrcState.LogicalAvailable)
        {
            return 0;
        }

        if (c.State == DrcState.LogicalUnisolate)
        {
            return -3;
        }

        if (c.Type == DrcType.Lmb && c.Request is null)
        {
            // The guest may not pick LMBs the host did not ask for.
            return -1;
        }

        c.State = DrcState.LogicalAvailable;
        return 0;
    }

    private int LogicalUnisolate(Conn c)
    {
        switch (c.State)
        {
            case DrcState.LogicalUnusable:
                return -3;
            case DrcState.LogicalAvailable:
                c.State = DrcState.LogicalUnisolate;
                return 0;
            default:
                if (c.Request is { } request && c.Held)
                {
                    // The guest rejects the unplug: the whole device's request rolls back, once.
                    End(request, UnplugOutcome.RejectedByGuest);
                }

                return 0;
        }
    }

    private int Usable(Conn c)
    {
        if (c.State != DrcState.LogicalUnusable)
        {
            return 0;
        }

        if (!c.Held || c.Request is not null)
        {
            return -3;
        }

        c.State = DrcState.LogicalAvailable;
        return 0;
    }

    private int Unusable(Conn c)
    {
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

    private int PhysicalIsolate(Conn c)
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

    private int PhysicalUnisolate(Conn c)
    {
        if (c.State != DrcState.PhysicalPowerOn)
        {
            return 0;
        }

        if (!c.Held)
        {
            return -3;
        }

        c.State = DrcState.PhysicalUnisolate;
        return 0;
    }

    // ---- Shared ----

    private (UnplugRequestStatus, TimeSpan?, Req?) Repeat(Conn c, Dev device, Req request, TimeSpan? timeoutOverride)
    {
        if (request.Deadline is { } deadline)
        {
            var left = deadline - Now;
            return (UnplugRequestStatus.AlreadyPending, left < TimeSpan.Zero ? TimeSpan.Zero : left, request);
        }

        if (!request.TimedOut && device.Kind != DevKind.Cpu)
        {
            return (UnplugRequestStatus.AlreadyPending, Timeout.InfiniteTimeSpan, request);
        }

        // A retry (after a KeepPending timeout, or the CPU re-send without one) keeps the request's timeout unless it
        // gives one; function 0 retries every timed-out request of its slot; the guest is asked for what is still held.
        var timeout = timeoutOverride ?? request.Timeout;
        var retried = new List<Req> { request };
        if (IsFunctionZero(c))
        {
            retried.AddRange(Slot(c).Select(f => f.Device?.Request).OfType<Req>().Where(r => r != request && r.TimedOut).Distinct());
        }

        foreach (var r in retried)
        {
            r.TimedOut = false;
            r.Timeout = timeout;
            r.Retries++;
        }

        QueueRemove(c, device, Runs(request.Waiting));
        retried.ForEach(Arm);
        return (UnplugRequestStatus.Retried, timeout, request);
    }

    private TimeSpan DefaultTimeout(DrcType type) => type switch
    {
        DrcType.Cpu => TimeSpan.FromSeconds(15),
        DrcType.Lmb => _lmbTimeout,
        DrcType.Pci => _pciTimeout,
        _ => Timeout.InfiniteTimeSpan,
    };

    private static bool IsFunctionZero(Conn c) => c.Physical && (c.Id & 7) == 0;

    /// <summary>The existing connectors of a connector's PCI slot, function 0 first.</summary>
    private IEnumerable<Conn> Slot(Conn c)
    {
        for (uint f = 0; f < 8; f++)
        {
            if (Find((c.Index & ~7u) | f) is { } function)
            {
                yield return function;
            }
        }
    }

    private void Plug(Dev device, bool hot)
    {
        Devices.Add(device);
        foreach (var c in device.Members)
        {
            c.Device = device;
            c.Held = true;
            if (!hot)
            {
                // Cold plug is attach, then reset.
                c.State = c.ReadyState;
                c.DrIndicator = c.Physical ? DrIndicator.Active : DrIndicator.Inactive;
            }
        }
    }

    private Req NewRequest(Dev device, TimeSpan timeout)
    {
        var request = new Req(device, [.. device.Members.Where(m => m.Held)], timeout, Now);
        foreach (var m in request.Waiting)
        {
            m.Request = request;
        }

        device.Request = request;
        return request;
    }

    private void Arm(Req request)
    {
        request.Deadline = request.Ended || request.Timeout == Timeout.InfiniteTimeSpan ? null : Now + request.Timeout;
    }

    /// <summary>Runs of consecutive connectors, in index order.</summary>
    private static List<(uint First, uint Count)> Runs(IEnumerable<Conn> connectors)
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

    private void QueueRemove(Conn named, Dev device, List<(uint First, uint Count)> runs)
    {
        switch (device.Kind)
        {
            case DevKind.Dimm:
                foreach (var (first, count) in runs)
                {
                    Queue(HotplugType.Memory, HotplugAction.Remove, HotplugIdentifier.DrcCountIndexed, first, count);
                }

                break;
            case DevKind.Card:
                if (IsFunctionZero(named))
                {
                    // One per function still present, 7 down to 0; a non-zero function alone queues nothing.
                    foreach (var f in Slot(named).Where(f => f.Held).Reverse())
                    {
                        Queue(HotplugType.Pci, HotplugAction.Remove, HotplugIdentifier.DrcIndex, f.Index, 1);
                    }
                }

                break;
            default:
                Queue(device.Kind == DevKind.Cpu ? HotplugType.Cpu : HotplugType.Phb, HotplugAction.Remove, HotplugIdentifier.DrcIndex, device.Members[0].Index, 1);
                break;
        }
    }

    /// <summary>The guest (or a reset) released the device at one connector; the request ends with its last one, the device's removal when it holds nothing.</summary>
    private void Release(Conn c, UnplugOutcome outcome)
    {
        var device = c.Device!;
        var request = c.Request;
        c.Held = false;
        c.Request = null;
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
            Removed(device);
            if (device.Kind == DevKind.Phb)
            {
                RemoveSlotsOf(c.Index);
            }
        }
    }

    private void Removed(Dev device)
    {
        device.Ended = true;
        device.Members.ForEach(m => m.Device = null);
    }

    /// <summary>A PHB's slots leave the machine, with the cards in them (one RemovedWithOwner each) and the events naming them.</summary>
    private void RemoveSlotsOf(uint phb)
    {
        foreach (var slot in Connectors.Values.Where(s => s.Owner == phb).ToList())
        {
            if (slot.Device is { } card)
            {
                foreach (var m in card.Members)
                {
                    m.Held = false;
                    m.Request = null;
                }

                if (card.Request is { } request)
                {
                    End(request, UnplugOutcome.RemovedWithOwner);
                }
                else
                {
                    Notes.Add(new Note(card, null, UnplugOutcome.RemovedWithOwner, Terminal: true));
                }

                Removed(card);
            }

            Connectors.Remove(slot.Index);
        }

        Events.RemoveAll(e => e.Identifier != HotplugIdentifier.DrcCount && Find(e.Index) is null);
    }

    private void End(Req request, UnplugOutcome outcome)
    {
        request.Ended = true;
        request.Deadline = null;
        foreach (var m in request.Device.Members)
        {
            if (m.Request == request)
            {
                m.Request = null;
            }
        }

        request.Device.Request = null;
        Notes.Add(new Note(request.Device, request, outcome, Terminal: true));
    }

    private void Queue(HotplugType type, HotplugAction action, HotplugIdentifier identifier, uint index, uint count)
    {
        Events.Add(new Ev(type, action, identifier, index, count));
        Queued++;
    }

    internal enum DevKind
    {
        Cpu,
        Dimm,
        Phb,
        Card,
    }

    /// <summary>One connector.</summary>
    internal sealed class Conn(uint index, uint? owner)
    {
        public uint Index { get; } = index;

        /// <summary>The PHB connector that owns this slot connector.</summary>
        public uint? Owner { get; } = owner;

        public DrcType Type => (DrcType)(Index >> 28);

        public uint Id => Index & 0x0FFF_FFFF;

        public bool Physical => Type == DrcType.Pci;

        public DrcState EmptyState => Physical ? DrcState.PhysicalPowerOn : DrcState.LogicalUnusable;

        public DrcState UnisolateState => Physical ? DrcState.PhysicalUnisolate : DrcState.LogicalUnisolate;

        public DrcState ReadyState => Physical ? DrcState.PhysicalConfigured : DrcState.LogicalConfigured;

        public DrcState State { get; set; } = index >> 28 == (uint)DrcType.Pci ? DrcState.PhysicalPowerOn : DrcState.LogicalUnusable;

        public DrIndicator DrIndicator { get; set; }

        /// <summary>The device that owns the connector, from its attach until its removal ends.</summary>
        public Dev? Device { get; set; }

        /// <summary>Whether the connector holds its device (the guest has not released it).</summary>
        public bool Held { get; set; }

        /// <summary>The pending request waiting for this connector (SPEC's unplugRequested).</summary>
        public Req? Request { get; set; }
    }

    /// <summary>One device: the emulator's object and the connectors it owns.</summary>
    internal sealed class Dev(TestDevice device, DevKind kind, List<Conn> members)
    {
        public TestDevice Object { get; } = device;

        public DevKind Kind { get; } = kind;

        /// <summary>Its connectors in index order, released ones included.</summary>
        public List<Conn> Members { get; } = members;

        public Req? Request { get; set; }

        /// <summary>Its removal ended: its connectors are free (or gone with their PHB).</summary>
        public bool Ended { get; set; }

        public override string ToString() => Object.Name;
    }

    /// <summary>One unplug request of a device.</summary>
    internal sealed class Req(Dev device, List<Conn> waiting, TimeSpan timeout, DateTimeOffset requestedAt)
    {
        public Dev Device { get; } = device;

        public DateTimeOffset RequestedAt { get; } = requestedAt;

        public int Retries { get; set; }

        /// <summary>The connectors the guest has not released yet.</summary>
        public List<Conn> Waiting { get; } = waiting;

        public TimeSpan Timeout { get; set; } = timeout;

        public DateTimeOffset? Deadline { get; set; }

        public bool TimedOut { get; set; }

        public bool Ended { get; set; }
    }

    /// <summary>A queued hotplug event (index 0 for memory Add by count).</summary>
    internal sealed record Ev(HotplugType Type, HotplugAction Action, HotplugIdentifier Identifier, uint Index, uint Count)
    {
        public override string ToString() => Identifier == HotplugIdentifier.DrcCount
            ? $"{Action} {Type} by count {Count}"
            : $"{Action} {Type} {ModelOp.Name(Index)}{(Identifier == HotplugIdentifier.DrcCountIndexed ? $" x{Count}" : "")}";
    }

    /// <summary>An unplug notification: the device, its request (none for a card removed with its PHB while nothing was pending), the outcome.</summary>
    internal sealed record Note(Dev Device, Req? Request, UnplugOutcome Outcome, bool Terminal)
    {
        public override string ToString() => $"{Device}: {Outcome}{(Terminal ? "" : " (not terminal)")}{(Request is null ? ", no request" : "")}";
    }
}
