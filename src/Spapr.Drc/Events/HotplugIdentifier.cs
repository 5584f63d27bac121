namespace Spapr.Drc;

/// <summary>How a hotplug event identifies its connectors.</summary>
public enum HotplugIdentifier : byte
{
    /// <summary>2: by DRC index (payload: the index).</summary>
    DrcIndex = 2,

    /// <summary>3: by count (payload: how many LMBs); memory add to a guest without indexed events.</summary>
    DrcCount = 3,

    /// <summary>4: count then first index; memory devices.</summary>
    DrcCountIndexed = 4,
}
