namespace Spapr.Drc;

/// <summary>How a pending unplug timer continues after a snapshot is loaded (SPEC section 7).</summary>
public enum SnapshotTimerMode
{
    /// <summary>
    /// Default. The timer resumes with the time it had left at the source, measured on the destination's
    /// virtual clock, so it fires at the same guest time as it would have without the migration.
    /// </summary>
    ResumeRemaining = 0,

    /// <summary>The whole timeout of the request starts again at load (the 2021 QEMU v4 choice).</summary>
    RestartFull = 1,
}
