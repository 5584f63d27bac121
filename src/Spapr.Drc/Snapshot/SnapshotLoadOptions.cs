namespace Spapr.Drc;

/// <summary>Options of <see cref="DrcRegistry.LoadSnapshot(ReadOnlySpan{byte}, SnapshotLoadOptions?)"/>.</summary>
public sealed class SnapshotLoadOptions
{
    /// <summary>How pending unplug timers continue. Default <see cref="SnapshotTimerMode.ResumeRemaining"/>.</summary>
    public SnapshotTimerMode TimerMode { get; set; } = SnapshotTimerMode.ResumeRemaining;
}
