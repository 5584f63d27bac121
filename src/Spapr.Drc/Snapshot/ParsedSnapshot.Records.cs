namespace Spapr.Drc;

/// <summary>The immutable records a parse yields.</summary>
internal sealed partial class ParsedSnapshot
{
    /// <summary>One connector record as read.</summary>
    internal readonly record struct ConnectorRecord(int Offset, uint Index, byte Type, DrcState State, byte Flags, int Cursor)
    {
        public bool HasDevice => (Flags & SnapshotFormat.ConnectorHasDevice) != 0;

        public bool UnplugPending => (Flags & SnapshotFormat.ConnectorUnplugPending) != 0;

        public DrIndicator Indicator => (DrIndicator)((Flags >> SnapshotFormat.ConnectorIndicatorShift) & 3);
    }

    /// <summary>A request's diagnostics as read: retries, and how long ago the guest took its Remove (-1: never).</summary>
    internal readonly record struct RequestDetailRecord(int Offset, long Id, int Retries, long RemoveTakenAgeTicks);

    /// <summary>The guest's last call on a connector as read.</summary>
    internal readonly record struct GuestCallRecord(int Offset, uint Index, GuestCallKind Kind, int Status, long AgeTicks);

    /// <summary>One unplug record as read; its runs are pairs in <see cref="Runs"/>.</summary>
    internal readonly record struct UnplugRecord(int Offset, uint Primary, long Id, byte Flags, long TimeoutTicks, long LeftTicks, long AgeTicks, int AllRunStart, int AllRuns, int PendingRunStart, int PendingRuns)
    {
        public bool TimedOut => (Flags & SnapshotFormat.UnplugTimedOut) != 0;

        public bool TimerRunning => (Flags & SnapshotFormat.UnplugTimerRunning) != 0;
    }
}
