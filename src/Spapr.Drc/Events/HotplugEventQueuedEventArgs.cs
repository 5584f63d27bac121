namespace Spapr.Drc;

/// <summary>A hotplug event was queued for the guest; the emulator should raise its event interrupt.</summary>
public sealed class HotplugEventQueuedEventArgs : EventArgs
{
    internal HotplugEventQueuedEventArgs(HotplugEvent hotplugEvent) => Event = hotplugEvent;

    /// <summary>The queued event.</summary>
    public HotplugEvent Event { get; }
}
