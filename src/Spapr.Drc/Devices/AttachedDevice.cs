using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text;

namespace Spapr.Drc;

/// <summary>
/// A device attached to a registry: the emulator's object and the connectors it owns from attach until its removal
/// ends (a CPU core one connector, a memory device its LMBs, a PCI function its slot connector, a PHB its connector;
/// a PHB's PCI slots leave with it). Unplug requests, retries, cancels, rejections, timeouts and completions are per
/// device. Obtained from <see cref="DrcRegistry.Attach"/>, <see cref="DrcRegistry.AttachMemoryDevice"/>,
/// <see cref="DrcRegistry.TryGetDevice"/> or <see cref="SpaprDrc.AttachedDevice"/>; a live view, safe to read from any thread.
/// </summary>
public sealed class AttachedDevice
{
    private readonly RegistryCore _core;
    private readonly SpaprDrc[] _connectors;
    private readonly DeviceTreeNode?[]? _fragments;
    private FlatFragment?[]? _flats;
    private DrcIndex[]? _indexes;
    private volatile int _requestSlot;
    private volatile bool _attached = true;

    internal AttachedDevice(RegistryCore core, object device, SpaprDrc[] connectors, DeviceTreeNode?[]? fragments)
    {
        _core = core;
        Device = device;
        _connectors = connectors;
        _fragments = fragments;
        Kind = connectors[0].Kind;
        Index = connectors[0].Index;
        ConnectorCount = connectors.Length;
        HeldCount = connectors.Length;
    }

    /// <summary>The emulator's device object, as given to attach.</summary>
    public object Device { get; }

    /// <summary>The type of its connectors.</summary>
    public DrcType Type => Kind.Type;

    /// <summary>Its first connector: the index its unplug requests and notifications are reported under.</summary>
    public DrcIndex Index { get; }

    /// <summary>Every connector the device owns, in index order (a memory device's LMBs, released ones included).</summary>
    public ImmutableArray<DrcIndex> Connectors => ImmutableCollectionsMarshal.AsImmutableArray(_indexes ??= IndexesOf(_connectors));

    /// <summary>The connectors that still hold the device: all of them, less those the guest released during an unplug.</summary>
    public ImmutableArray<DrcIndex> HeldConnectors
    {
        get
        {
            lock (_core.Sync)
            {
                var held = ImmutableArray.CreateBuilder<DrcIndex>(HeldCount);
                foreach (var drc in _connectors)
                {
                    if (drc.IsHeld && ReferenceEquals(drc.AttachedDevice, this))
                    {
                        held.Add(drc.Index);
                    }
                }

                return held.DrainToImmutable();
            }
        }
    }

    /// <summary>Whether the device is still attached; false once its removal ended (completed, by reset, or with its owner).</summary>
    public bool IsAttached => _attached;

    /// <summary>Whether an unplug of the device is pending.</summary>
    public bool IsUnplugPending => _requestSlot != 0;

    /// <summary>The registry-unique id of the pending unplug request; 0 when none is pending.</summary>
    public long PendingRequestId
    {
        get
        {
            lock (_core.Sync)
            {
                return _requestSlot == 0 ? 0 : _core.Unplugs.IdOf(_requestSlot);
            }
        }
    }

    internal DrcKind Kind { get; }

    /// <summary>The registry the device is attached to.</summary>
    internal RegistryCore Core => _core;

    internal ReadOnlySpan<SpaprDrc> ConnectorSpan => _connectors;

    /// <summary>How many connectors the device owns, kept beside <see cref="Index"/> so hot paths need not visit the array.</summary>
    internal int ConnectorCount { get; }

    internal SpaprDrc First => _connectors[0];

    /// <summary>How many connectors still hold the device; its removal ends when this reaches 0.</summary>
    internal int HeldCount { get; set; }

    /// <summary>The slot of the pending request in the coordinator's table; 0 for none.</summary>
    internal int RequestSlot
    {
        get => _requestSlot;
        set => _requestSlot = value;
    }

    /// <summary>The device's removal ended; its connectors are free again.</summary>
    internal void Detached() => _attached = false;

    internal DeviceTreeNode? FragmentAt(int ordinal) => _fragments?[ordinal];

    /// <summary>The flattened fragment of one connector, built on the first configure-connector call (as QEMU builds its fdt lazily).</summary>
    internal FlatFragment? FlatAt(int ordinal)
    {
        if (_fragments?[ordinal] is not { } fragment)
        {
            return null;
        }

        _flats ??= new FlatFragment?[_fragments.Length];
        return _flats[ordinal] ??= FlatFragment.From(fragment);
    }

    /// <summary>The flattened fragment if a configure-connector call built it already.</summary>
    internal FlatFragment? FlatIfBuilt(int ordinal) => _flats?[ordinal];

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Device).Append(" on ").Append(_connectors[0].Name);
        if (_connectors.Length > 1)
        {
            text.Append('-').Append(_connectors[^1].Id);
        }

        return text.ToString();
    }

    private static DrcIndex[] IndexesOf(SpaprDrc[] connectors)
    {
        var indexes = new DrcIndex[connectors.Length];
        for (int i = 0; i < indexes.Length; i++)
        {
            indexes[i] = connectors[i].Index;
        }

        return indexes;
    }
}
