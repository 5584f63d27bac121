namespace Spapr.Drc;

/// <summary>
/// One dynamic reconfiguration connector. Created through <see cref="DrcRegistry.CreateConnector(DrcType, uint, DrcIndex?)"/>;
/// all changes go through the registry, which serializes them under its lock. Reads of single values are lock-free.
/// </summary>
public sealed class SpaprDrc
{
    private volatile Attachment? _attachment;
    private volatile UnplugRequest? _request;
    private DrcState _state;
    private DrIndicator _drIndicator;
    private int _cursor;

    internal SpaprDrc(DrcRegistry registry, DrcIndex index, DrcIndex? owner)
    {
        Registry = registry;
        Index = index;
        Owner = owner;
        _state = DrcTypeInfo.EmptyStateOf(Class);
    }

    /// <summary>The registry that owns this connector.</summary>
    public DrcRegistry Registry { get; }

    /// <summary>The 32-bit DRC index.</summary>
    public DrcIndex Index { get; }

    /// <summary>The connector type.</summary>
    public DrcType Type => (DrcType)Index.TypeNibble;

    /// <summary>The 28-bit id.</summary>
    public uint Id => Index.Id;

    /// <summary>The class (physical for PCI, logical otherwise).</summary>
    public DrcClass Class => Type == DrcType.Pci ? DrcClass.Physical : DrcClass.Logical;

    /// <summary>The name as in <c>ibm,drc-names</c>, e.g. "CPU 8".</summary>
    public string Name => DrcTypeInfo.NameOf(Index);

    /// <summary>The connector that owns this one (a PHB connector for its PCI slots), if any.</summary>
    public DrcIndex? Owner { get; }

    /// <summary>The current state.</summary>
    public DrcState State
    {
        get => _state;
        internal set => Set(ref _state, value);
    }

    /// <summary>The DR indicator (physical connectors; always Inactive for logical ones).</summary>
    public DrIndicator DrIndicator
    {
        get => _drIndicator;
        internal set => Set(ref _drIndicator, value);
    }

    /// <summary>The attached device (the emulator's object), or <see langword="null"/>.</summary>
    public object? Device => _attachment?.Device;

    /// <summary>The device-tree fragment handed out by configure-connector, or <see langword="null"/>.</summary>
    public DeviceTreeNode? Fragment => _attachment?.Fragment;

    /// <summary>Whether an unplug has been requested and has not ended (SPEC's <c>unplugRequested</c>).</summary>
    public bool IsUnplugPending => _request is not null;

    /// <summary>When the pending unplug times out; <see langword="null"/> when no timer runs.</summary>
    public DateTimeOffset? UnplugDeadline
    {
        get
        {
            // A DateTimeOffset? is wider than an atomic write: a lock-free read could see half of a change
            // (a deadline of 0001-01-01). Read it under the lock it is written under.
            lock (Registry.Sync)
            {
                return _request?.Deadline;
            }
        }
    }

    /// <summary>The time left until the pending unplug times out, on the registry's clock; <see langword="null"/> when no timer runs.</summary>
    public TimeSpan? UnplugTimeRemaining
    {
        get
        {
            var deadline = UnplugDeadline;
            if (deadline is null)
            {
                return null;
            }

            var left = deadline.Value - Registry.TimeProvider.GetUtcNow();
            return left < TimeSpan.Zero ? TimeSpan.Zero : left;
        }
    }

    /// <summary>The entity-sense value the guest would read now (SPEC section 3).</summary>
    public EntitySense EntitySense => Class == DrcClass.Physical
        ? (_attachment is null ? EntitySense.Empty : EntitySense.Present)
        : (State == DrcState.LogicalUnusable ? EntitySense.Unusable : EntitySense.Present);

    internal Attachment? Attachment
    {
        get => _attachment;
        set
        {
            var old = _attachment;
            if (!ReferenceEquals(old, value))
            {
                _attachment = value;
                if ((old is null) != (value is null))
                {
                    Registry.Changes.DeviceCountChanged(value is null ? -1 : 1);
                }

                Changed();
            }
        }
    }

    internal UnplugRequest? Request
    {
        get => _request;
        set
        {
            if (!ReferenceEquals(_request, value))
            {
                _request = value;
                Changed();
            }
        }
    }

    /// <summary>The configure-connector cursor: the next token of the flattened fragment.</summary>
    internal int Cursor
    {
        get => _cursor;
        set => Set(ref _cursor, value);
    }

    /// <summary>Whether the registry's <see cref="ChangedConnectors"/> list holds this connector (under the registry lock).</summary>
    internal bool IsEnlisted { get; set; }

    /// <summary>Whether the connector has left its registry (a PHB took its PCI slots along).</summary>
    internal bool IsRemoved { get; set; }

    /// <summary>
    /// Whether the connector is exactly as cold plug (attach, then reset) leaves it: ready with its device, or empty,
    /// nothing pending, no configure-connector walk under way, the default DR indicator. A snapshot skips these.
    /// </summary>
    internal bool IsInColdPlugState
    {
        get
        {
            if (_request is not null || _cursor != 0)
            {
                return false;
            }

            return _attachment is null
                ? _state == DrcTypeInfo.EmptyStateOf(Class) && _drIndicator == DrIndicator.Inactive
                : _state == DrcTypeInfo.ReadyStateOf(Class) && _drIndicator == (Class == DrcClass.Physical ? DrIndicator.Active : DrIndicator.Inactive);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Index}) {State}";

    // EqualityComparer<T>.Default compiles to a plain compare for enums and ints: no boxing on the RTAS path.
    private void Set<T>(ref T field, T value)
        where T : struct
    {
        if (!EqualityComparer<T>.Default.Equals(field, value))
        {
            field = value;
            Changed();
        }
    }

    // Every setter lands here, under the registry lock: the snapshot must learn of every connector that left cold plug.
    private void Changed()
    {
        if (!IsEnlisted)
        {
            Registry.Changes.Enlist(this);
        }
    }
}
