namespace Spapr.Drc;

/// <summary>What a <see cref="DrcTransitionRule"/> does besides changing the state.</summary>
[Flags]
internal enum DrcTransitionEffects
{
    /// <summary>Nothing else.</summary>
    None = 0,

    /// <summary>The configure-connector cursor goes back to the start of the fragment.</summary>
    RewindCursor = 1,

    /// <summary>When an unplug is pending, the device is released: the unplug completes.</summary>
    ReleaseIfPending = 2,

    /// <summary>The guest rejects the pending unplug: the request (the whole memory device) is rolled back.</summary>
    RejectUnplug = 4,
}
