namespace Spapr.Drc;

/// <summary>The registry's five notification events.</summary>
internal enum NotificationKind : byte
{
    UnplugCompleted,
    UnplugTimedOut,
    UnplugRejectedByGuest,
    UnplugCancelled,
    HotplugEventQueued,
}
