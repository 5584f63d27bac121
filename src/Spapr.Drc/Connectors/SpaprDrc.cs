namespace Spapr.Drc;

/// <summary>
/// One dynamic reconfiguration connector. Created through <see cref="DrcRegistry.CreateConnector(DrcType, uint, DrcIndex?)"/>;
/// all changes go through the registry, which serializes them under its lock. Reads of single values are lock-free.
/// </summary>
public sealed class SpaprDrc
{
    private const byte EnlistedFlag = 1;
    private const byte RemovedFlag = 2;
    private const byte HeldFlag = 4;

    private readonly RegistryCore _core;
    private readonly uint _owner;
    private volatile AttachedDevice? _device;
    private int _ordinal;
    private volatile int _requestSlot;
    private int _cursor;
    private DrcState _state;
    private DrIndicator _drIndicator;
    private volatile byte _flags;

    // What get-sensor-state reads, kept current by every write of the state or the held flag (all under the lock): the
    // guest's lock-free read then costs one byte of the connector, not a walk through the class table.
    private volatile byte _sense;

    internal SpaprDrc(RegistryCore core, DrcIndex index, DrcIndex? owner)
    {
        _core = core;
        Index = index;
        _owner = owner?.Value ?? 0;
        _state = Kind.Rules.EmptyState;
        RefreshSense();
    }

    /// <summary>The registry that owns this connector.</summary>
    public DrcRegistry Registry => _core.Facade;

    /// <summary>The 32-bit DRC index.</summary>
    public DrcIndex Index { get; }

    /// <summary>The connector type.</summary>
    public DrcType Type => Index.Type;

    /// <summary>The 28-bit id.</summary>
    public uint Id => Index.Id;

    /// <summary>The class (physical for PCI, logical otherwise).</summary>
    public DrcClass Class => Kind.Rules.Class;

    /// <summary>The name as in <c>ibm,drc-names</c>, e.g. "CPU 8".</summary>
    public string Name => Kind.NameOf(Index.Id);

    /// <summary>The connector that owns this one (a PHB connector for its PCI slots), if any: its device's release removes this connector.</summary>
    public DrcIndex? Owner => _owner == 0 ? null : new DrcIndex(_owner);

    /// <summary>The current state (SPEC section 2).</summary>
    public DrcState State
    {
        get => _state;
        internal set
        {
            if (_state != value)
            {
                _state = value;
                RefreshSense();
                Changed();
            }
        }
    }

    /// <summary>The DR indicator (physical connectors; always Inactive for logical ones).</summary>
    public DrIndicator DrIndicator
    {
        get => _drIndicator;
        internal set
        {
            if (_drIndicator != value)
            {
                _drIndicator = value;
                Changed();
            }
        }
    }

    /// <summary>
    /// The emulator's device object while this connector holds it; <see langword="null"/> when empty, and also for an LMB
    /// the guest released while its memory device's removal is still under way. Whether the connector is free for a new
    /// device is <see cref="AttachedDevice"/> being <see langword="null"/>.
    /// </summary>
    public object? Device => IsHeld ? _device?.Device : null;

    /// <summary>The device-tree fragment configure-connector hands out while this connector holds a device.</summary>
    public DeviceTreeNode? Fragment => IsHeld && _device is { } device ? device.FragmentAt(_ordinal) : null;

    /// <summary>
    /// The device attached through this connector, from its attach until its removal ends: also while a memory device's
    /// removal is under way and the guest already released this LMB (then <see cref="Device"/> is <see langword="null"/>).
    /// Nothing else can be attached here meanwhile.
    /// </summary>
    public AttachedDevice? AttachedDevice => _device;

    /// <summary>Whether an unplug has been requested and has not ended (SPEC's <c>unplugRequested</c>).</summary>
    public bool IsUnplugPending => _requestSlot != 0;

    /// <summary>When the pending unplug times out; <see langword="null"/> when no timer runs (nothing pending, no timeout, or it already fired).</summary>
    public DateTimeOffset? UnplugDeadline
    {
        get
        {
            // A deadline is wider than an atomic read: read it under the lock it is written under.
            lock (_core.Sync)
            {
                return _requestSlot == 0 ? null : _core.Unplugs.DeadlineOf(_requestSlot);
            }
        }
    }

    /// <summary>
    /// The time left until the pending unplug times out, on the registry's clock: <see langword="null"/> when nothing is
    /// pending, <see cref="Timeout.InfiniteTimeSpan"/> when it never times out, <see cref="TimeSpan.Zero"/> once it timed out.
    /// </summary>
    public TimeSpan? UnplugTimeRemaining
    {
        get
        {
            lock (_core.Sync)
            {
                return _requestSlot == 0 ? null : _core.Unplugs.TimeRemainingOf(_requestSlot);
            }
        }
    }

    /// <summary>The entity-sense value the guest would read now (SPEC section 3).</summary>
    public EntitySense EntitySense => (EntitySense)_sense;

    internal DrcKind Kind => DrcKind.Of(Index);

    internal uint OwnerValue => _owner;

    /// <summary>Whether the connector holds its device (attached and not yet released by the guest).</summary>
    internal bool IsHeld => (_flags & HeldFlag) != 0;

    /// <summary>This connector's position in its device's connectors.</summary>
    internal int Ordinal => _ordinal;

    /// <summary>The slot of the pending unplug request in the coordinator's table; 0 for none.</summary>
    internal int RequestSlot
    {
        get => _requestSlot;
        set
        {
            if (_requestSlot != value)
            {
                _requestSlot = value;
                Changed();
            }
        }
    }

    /// <summary>The configure-connector cursor: the next token of the flattened fragment.</summary>
    internal int Cursor
    {
        get => _cursor;
        set
        {
            if (_cursor != value)
            {
                _cursor = value;
                Changed();
            }
        }
    }

    /// <summary>Whether the registry's <see cref="ChangedConnectors"/> list holds this connector (under the registry lock).</summary>
    internal bool IsEnlisted
    {
        get => (_flags & EnlistedFlag) != 0;
        set => SetFlag(EnlistedFlag, value);
    }

    /// <summary>Whether the connector has left its registry (a PHB took its PCI slots along).</summary>
    internal bool IsRemoved
    {
        get => (_flags & RemovedFlag) != 0;
        set => SetFlag(RemovedFlag, value);
    }

    /// <summary>
    /// Whether the connector is exactly as cold plug (attach, then reset) leaves it: ready with its device, or empty and
    /// owned by no device, nothing pending, no configure-connector walk under way, the default DR indicator. A snapshot
    /// skips these. A released LMB of a device still being removed is not: the destination attaches it again.
    /// </summary>
    internal bool IsInColdPlugState
    {
        get
        {
            if (_requestSlot != 0 || _cursor != 0)
            {
                return false;
            }

            bool held = IsHeld;
            if (!held && _device is not null)
            {
                return false;
            }

            var rules = Kind.Rules;
            return _state == rules.ColdState(held) && _drIndicator == rules.ColdIndicator(held);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Index}) {State}";

    /// <summary>Gives the connector to a device (attach): held, cursor rewound.</summary>
    internal void Take(AttachedDevice device, int ordinal)
    {
        _device = device;
        _ordinal = ordinal;
        SetFlag(HeldFlag, true);
        _core.Changes.DeviceCountChanged(+1);
        _cursor = 0;
        Changed();
    }

    /// <summary>The guest (or a reset) released the device here; the device still owns the connector until its removal ends.</summary>
    internal void Release()
    {
        SetFlag(HeldFlag, false);
        _core.Changes.DeviceCountChanged(-1);
        _core.Changes.ReleasedOwnedChanged(+1);
        _cursor = 0;
        _requestSlot = 0;
        Changed();
    }

    /// <summary>A snapshot load re-holds a released connector of a device (the destination's cold-plug baseline).</summary>
    internal void Rehold()
    {
        SetFlag(HeldFlag, true);
        _core.Changes.DeviceCountChanged(+1);
        _core.Changes.ReleasedOwnedChanged(-1);
        Changed();
    }

    /// <summary>The device's removal ended: the connector is free again.</summary>
    internal void Free()
    {
        if (!IsHeld && _device is not null)
        {
            _core.Changes.ReleasedOwnedChanged(-1);
        }

        _device = null;
        _ordinal = 0;
        Changed();
    }

    /// <summary>
    /// A snapshot load writes what the stream carries straight into the fields: the load rebuilds the change list and
    /// the counts itself, in bulk, so nothing is enlisted or counted here.
    /// </summary>
    internal void Restore(DrcState state, DrIndicator indicator, int cursor, bool held, int requestSlot, bool enlisted)
    {
        _state = state;
        _drIndicator = indicator;
        _cursor = cursor;
        _requestSlot = requestSlot;
        _flags = (byte)((_flags & RemovedFlag) | (held ? HeldFlag : 0) | (enlisted ? EnlistedFlag : 0));
        RefreshSense();
    }

    /// <summary>The state, cursor and DR indicator cold plug gives (SPEC section 5's reset of one connector).</summary>
    internal void ResetToColdPlug()
    {
        var rules = Kind.Rules;
        bool held = IsHeld;
        State = rules.ColdState(held);
        Cursor = 0;
        DrIndicator = rules.ColdIndicator(held);
    }

    private void SetFlag(byte flag, bool on)
    {
        _flags = (byte)(on ? _flags | flag : _flags & ~flag);
        if (flag == HeldFlag)
        {
            RefreshSense();
        }
    }

    private void RefreshSense() => _sense = (byte)Kind.Rules.SenseOf(_state, IsHeld);

    // Every change lands here, under the registry lock: the snapshot must learn of every connector that left cold plug.
    private void Changed()
    {
        if (!IsEnlisted)
        {
            _core.Changes.Enlist(this);
        }
    }
}
