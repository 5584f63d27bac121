using System.Collections.Immutable;

namespace Spapr.Drc;

/// <summary>A pending unplug request, as listed by <see cref="DrcRegistry.GetPendingUnplugs"/>.</summary>
/// <param name="RequestId">The registry-unique request id.</param>
/// <param name="Index">The connector the request named.</param>
/// <param name="Device">The emulator's device object.</param>
/// <param name="Connectors">The connectors still waiting for the guest.</param>
/// <param name="RequestedAt">When the request was made (virtual time).</param>
/// <param name="Deadline">When it times out; <see langword="null"/> when no timer runs (no timeout, or it already fired).</param>
/// <param name="TimedOut">Whether the timeout already fired (KeepPending).</param>
public readonly record struct PendingUnplug(long RequestId, DrcIndex Index, object Device, ImmutableArray<DrcIndex> Connectors, DateTimeOffset RequestedAt, DateTimeOffset? Deadline, bool TimedOut);
