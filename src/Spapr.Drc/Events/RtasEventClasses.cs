namespace Spapr.Drc;

/// <summary>The RTAS event-class mask bits that check-exception and event-scan filter on.</summary>
[Flags]
public enum RtasEventClasses : uint
{
    /// <summary>No class.</summary>
    None = 0,

    /// <summary>The hot-plug class (class 3), used once the guest negotiated it.</summary>
    Hotplug = 0x1000_0000,

    /// <summary>The EPOW class (class 1), used for hotplug events when the guest did not negotiate the hot-plug class.</summary>
    Epow = 0x4000_0000,
}
