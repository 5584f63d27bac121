using System.Collections.Immutable;

namespace Spapr.Drc;

/// <summary>An unplug notification: completed, timed out, rejected by the guest, cancelled, or removed with its owner. Immutable.</summary>
public sealed class UnplugEventArgs : EventArgs
{
    private readonly AttachedDevice _device;
    private string? _name;

    internal UnplugEventArgs(AttachedDevice device, UnplugOutcome outcome, bool isTerminal, DateTimeOffset requestedAt, DateTimeOffset occurredAt, long requestId)
    {
        _device = device;
        Outcome = outcome;
        IsTerminal = isTerminal;
        RequestedAt = requestedAt;
        OccurredAt = occurredAt;
        RequestId = requestId;
    }

    /// <summary>The device's first connector, which the request named (the first LMB of a memory device).</summary>
    public DrcIndex Index => _device.Index;

    /// <summary>That connector's name, e.g. "CPU 8".</summary>
    // Formatted on first read: thousands of LMB timeouts notify at once, and most handlers never read it.
    public string Name => _name ??= DrcKind.NameOf(Index);

    /// <summary>The emulator's device object.</summary>
    public object Device => _device.Device;

    /// <summary>The device, with the connectors it owns.</summary>
    public AttachedDevice AttachedDevice => _device;

    /// <summary>Every connector of the device (one, or the LMBs of a memory device).</summary>
    public ImmutableArray<DrcIndex> Connectors => _device.Connectors;

    /// <summary>What happened.</summary>
    public UnplugOutcome Outcome { get; }

    /// <summary>Whether the request ended (false only for a KeepPending timeout).</summary>
    public bool IsTerminal { get; }

    /// <summary>When the host made the request (virtual time); for a device removed with its owner without a request, when that happened.</summary>
    public DateTimeOffset RequestedAt { get; }

    /// <summary>When this happened (virtual time).</summary>
    public DateTimeOffset OccurredAt { get; }

    /// <summary>The registry-unique id of the request, as <see cref="UnplugRequestResult.RequestId"/> gave it; 0 for a device removed with its owner while no request was pending.</summary>
    public long RequestId { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Index}): {Outcome}, request {RequestId}";
}
