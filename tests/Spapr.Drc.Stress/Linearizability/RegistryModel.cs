namespace Spapr.Drc.Stress.Linearizability;

/// <summary>
/// A sequential model of a small machine, written from SPEC sections 3-6 (no time advance, so no timeout fires):
/// per connector its state, device (by memory-device group), whether it still holds that device, pending request,
/// cursor and DR indicator, plus the number of queued hotplug events. A device owns its connectors until its removal
/// ends: an LMB the guest released stays its memory device's (nothing can be attached there) until the last one goes.
/// </summary>
internal sealed class RegistryModel
{
    // Fragment of LinearMachine: node, one property, end of node -> configure-connector returns 2, 3, 0.
    private const int FragmentTokens = 3;

    private readonly Slot[] _slots;
    private int _nextGroup = 1;
    private int _nextRequest = 1;

    public RegistryModel(IReadOnlyList<DrcIndex> indexes, IEnumerable<(int Slot, int GroupSize, PlugMode Mode)> attachments)
    {
        _slots = [.. indexes.Select(i => new Slot(i))];
        foreach (var (slot, size, mode) in attachments)
        {
            Attach(slot, size, mode);
        }
    }

    public int Events { get; private set; }

    public IReadOnlyList<Slot> Slots => _slots;

    public int PendingRequests => _slots.Where(s => s.Request != 0).Select(s => s.Request).Distinct().Count();

    public void Attach(int slot, int groupSize, PlugMode mode)
    {
        if (slot + groupSize > _slots.Length)
        {
            return;
        }

        var members = _slots.AsSpan(slot, groupSize);
        foreach (var m in members)
        {
            if (m.Group != 0 || m.State != EmptyState(m) || (groupSize > 1 && m.Index.Type != DrcType.Lmb))
            {
                return;
            }
        }

        for (int i = 1; i < members.Length; i++)
        {
            if (members[i].Index.Value != members[0].Index.Value + (uint)i)
            {
                return;
            }
        }

        int group = _nextGroup++;
        foreach (var m in members)
        {
            m.Group = group;
            m.Held = true;
            m.Cursor = 0;
            if (mode == PlugMode.Cold)
            {
                m.State = ReadyState(m);
                if (m.IsPhysical)
                {
                    m.DrIndicator = DrIndicator.Active;
                }
            }
        }

        if (mode == PlugMode.Hot)
        {
            Events++;
        }
    }

    public void RequestUnplug(int slot)
    {
        var drc = _slots[slot];
        if (drc.Group == 0 || GroupRequest(drc) != 0 || (drc.Index.Type == DrcType.Cpu && drc.Index.Id == 0))
        {
            // No device, already pending (no timer ever fires here, so no retry), or the boot CPU.
            return;
        }

        int request = _nextRequest++;

        // The request waits for what the device still holds; its Remove events name each run of those connectors.
        var members = _slots.Where(s => s.Group == drc.Group && s.Held).ToArray();
        int runs = members.Where((m, i) => i == 0 || m.Index.Value != members[i - 1].Index.Value + 1).Count();
        foreach (var m in members)
        {
            m.Request = request;
        }

        foreach (var m in members)
        {
            if (m.State == EmptyState(m))
            {
                Release(m);
            }
        }

        // Remove events: one per run of held connectors, except a PCI slot whose functions all went at once.
        if (drc.Index.Type != DrcType.Pci || drc.Request != 0)
        {
            Events += runs;
        }
    }

    public void CancelUnplug(int slot) => EndRequest(GroupRequest(_slots[slot]));

    public void Reset()
    {
        foreach (var s in _slots.Where(s => s.Request != 0).ToArray())
        {
            Release(s);
        }

        foreach (var s in _slots)
        {
            s.State = s.Held ? ReadyState(s) : EmptyState(s);
            s.Cursor = 0;
            if (s.IsPhysical)
            {
                s.DrIndicator = s.Held ? DrIndicator.Active : DrIndicator.Inactive;
            }
        }

        Events = 0;
    }

    public void CheckException()
    {
        if (Events > 0)
        {
            Events--;
        }
    }

    public void SetIndicator(int slot, uint indicator, uint value)
    {
        var drc = _slots[slot];
        bool device = drc.Held;
        bool pending = drc.Request != 0;
        if (indicator == 9002)
        {
            if (drc.IsPhysical && value <= 3)
            {
                drc.DrIndicator = (DrIndicator)value;
            }

            return;
        }

        if (drc.IsPhysical)
        {
            if (indicator != 9001 || value > 1)
            {
                return;
            }

            if (value == 0 && drc.State == DrcState.PhysicalConfigured)
            {
                drc.State = DrcState.PhysicalPowerOn;
                if (pending)
                {
                    Release(drc);
                }
            }
            else if (value == 1 && drc.State == DrcState.PhysicalPowerOn && device)
            {
                drc.State = DrcState.PhysicalUnisolate;
                drc.Cursor = 0;
            }

            return;
        }

        switch (indicator, value, drc.State)
        {
            case (9001, 0, DrcState.LogicalConfigured):
                if (drc.Index.Type != DrcType.Lmb || pending)
                {
                    drc.State = DrcState.LogicalAvailable;
                }

                break;
            case (9001, 1, DrcState.LogicalAvailable):
                drc.State = DrcState.LogicalUnisolate;
                drc.Cursor = 0;
                break;
            case (9001, 1, DrcState.LogicalUnisolate or DrcState.LogicalConfigured):
                if (pending && device)
                {
                    EndRequest(drc.Request);
                }

                break;
            case (9003, 1, DrcState.LogicalUnusable):
                if (device && !pending)
                {
                    drc.State = DrcState.LogicalAvailable;
                }

                break;
            case (9003, 0, DrcState.LogicalAvailable):
                drc.State = DrcState.LogicalUnusable;
                if (pending)
                {
                    Release(drc);
                }

                break;
        }
    }

    public void ConfigureConnector(int slot)
    {
        var drc = _slots[slot];
        if (drc.State is not (DrcState.LogicalUnisolate or DrcState.LogicalConfigured or DrcState.PhysicalUnisolate or DrcState.PhysicalConfigured))
        {
            return;
        }

        if (drc.Index.Type == DrcType.Lmb && drc.Request != 0)
        {
            EndRequest(drc.Request);
        }

        if (drc.Cursor == FragmentTokens - 1)
        {
            drc.State = ReadyState(drc);
            drc.Cursor = 0;
        }
        else
        {
            drc.Cursor++;
        }
    }

    public override string ToString() => string.Join(", ", _slots.Select(s => s.ToString())) + $"; events {Events}";

    private static DrcState EmptyState(Slot s) => s.IsPhysical ? DrcState.PhysicalPowerOn : DrcState.LogicalUnusable;

    private static DrcState ReadyState(Slot s) => s.IsPhysical ? DrcState.PhysicalConfigured : DrcState.LogicalConfigured;

    /// <summary>The request of the device a connector belongs to (a released LMB's included); 0 for none.</summary>
    private int GroupRequest(Slot s) => s.Group == 0 ? 0 : _slots.Where(m => m.Group == s.Group).Select(m => m.Request).FirstOrDefault(r => r != 0);

    /// <summary>The connector lets go of its device; the device's removal ends (its connectors are free) with the last one.</summary>
    private void Release(Slot s)
    {
        int group = s.Group;
        s.Held = false;
        s.Request = 0;
        s.Cursor = 0;
        if (!_slots.Any(m => m.Group == group && m.Held))
        {
            foreach (var m in _slots.Where(m => m.Group == group))
            {
                m.Group = 0;
            }
        }
    }

    private void EndRequest(int request)
    {
        if (request == 0)
        {
            return;
        }

        foreach (var s in _slots)
        {
            if (s.Request == request)
            {
                s.Request = 0;
            }
        }
    }

    internal sealed class Slot(DrcIndex index)
    {
        public DrcIndex Index { get; } = index;

        public bool IsPhysical => Index.Type == DrcType.Pci;

        public DrcState State { get; set; } = index.Type == DrcType.Pci ? DrcState.PhysicalPowerOn : DrcState.LogicalUnusable;

        /// <summary>The device that owns the connector (0 none), until its removal ends; LMBs of one memory device share it.</summary>
        public int Group { get; set; }

        /// <summary>Whether the connector holds its device (the guest has not released it).</summary>
        public bool Held { get; set; }

        /// <summary>The pending request (0 none); LMBs of one memory device share it.</summary>
        public int Request { get; set; }

        public int Cursor { get; set; }

        public DrIndicator DrIndicator { get; set; }

        public override string ToString() => $"{Index} {State} dev={Group}{(Group != 0 && !Held ? " released" : "")} req={Request} cur={Cursor} dr={DrIndicator}";
    }
}
