namespace Spapr.Drc;

/// <summary>The action byte of a hotplug event.</summary>
public enum HotplugAction : byte
{
    /// <summary>1: a device was plugged; the guest should acquire it.</summary>
    Add = 1,

    /// <summary>2: the host asks the guest to release a device.</summary>
    Remove = 2,
}
