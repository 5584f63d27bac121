using System.Collections.Immutable;

namespace Spapr.Drc;

/// <summary>An unplug notification: completed, timed out, rejected by the guest, or cancelled. Immutable.</summary>
public sealed class UnplugEventArgs : EventArgs
{
    private string? _name;

    internal UnplugEventArgs(DrcIndex index, object device, ImmutableArray<DrcIndex> connectors, UnplugOutcome outcome, bool isTerminal, DateTimeOffset requestedAt, DateTimeOffset occurredAt, long requestId)
    {
        Index = index;
        Device = device;
        Connectors = connectors;
        Outcome = outcome;
        IsTerminal = isTerminal;
        RequestedAt = requestedAt;
        OccurredAt = occurredAt;
        RequestId = requestId;
    }

    /// <summary>The connector the request named (the first LMB of a memory device).</summary>
    public DrcIndex Index { get; }

    /// <summary>That connector's name, e.g. "CPU 8".</summary>
    // Formatted on first read: thousands of LMB timeouts notify at once, and most handlers never read it.
    public string Name => _name ??= DrcTypeInfo.NameOf(Index);

    /// <summary>The emulator's device object.</summary>
    public object Device { get; }

    /// <summary>Every connector of the device (one, or the LMBs of a memory device).</summary>
    public ImmutableArray<DrcIndex> Connectors { get; }

    /// <summary>What happened.</summary>
    public UnplugOutcome Outcome { get; }

    /// <summary>Whether the request ended (false only for a KeepPending timeout).</summary>
    public bool IsTerminal { get; }

    /// <summary>When the host made the request (virtual time).</summary>
    public DateTimeOffset RequestedAt { get; }

    /// <summary>When this happened (virtual time).</summary>
    public DateTimeOffset OccurredAt { get; }

    /// <summary>The registry-unique id of the request, to correlate notifications.</summary>
    public long RequestId { get; }
}
