namespace Spapr.Drc.Tests.Support;

/// <summary>Records every notification of a registry in the order it was raised (handlers may run on timer threads, hence the lock).</summary>
internal sealed class NotificationRecorder
{
    private readonly List<(string Kind, EventArgs Args)> _all = [];

    public NotificationRecorder(DrcRegistry registry)
    {
        registry.UnplugCompleted += (_, e) => Add(nameof(DrcRegistry.UnplugCompleted), e);
        registry.UnplugTimedOut += (_, e) => Add(nameof(DrcRegistry.UnplugTimedOut), e);
        registry.UnplugRejectedByGuest += (_, e) => Add(nameof(DrcRegistry.UnplugRejectedByGuest), e);
        registry.UnplugCancelled += (_, e) => Add(nameof(DrcRegistry.UnplugCancelled), e);
        registry.HotplugEventQueued += (_, e) => Add(nameof(DrcRegistry.HotplugEventQueued), e);
    }

    /// <summary>Every notification: the registry event's name and its arguments.</summary>
    public IReadOnlyList<(string Kind, EventArgs Args)> All
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    /// <summary>The unplug notifications (every kind but HotplugEventQueued), in order.</summary>
    public IReadOnlyList<UnplugEventArgs> Unplug => All.Select(n => n.Args).OfType<UnplugEventArgs>().ToList();

    /// <summary>The registry event names of the unplug notifications, in order.</summary>
    public IReadOnlyList<string> UnplugKinds => All.Where(n => n.Args is UnplugEventArgs).Select(n => n.Kind).ToList();

    public IReadOnlyList<UnplugEventArgs> Completed => Of(nameof(DrcRegistry.UnplugCompleted));

    public IReadOnlyList<UnplugEventArgs> TimedOut => Of(nameof(DrcRegistry.UnplugTimedOut));

    public IReadOnlyList<UnplugEventArgs> Rejected => Of(nameof(DrcRegistry.UnplugRejectedByGuest));

    public IReadOnlyList<UnplugEventArgs> Cancelled => Of(nameof(DrcRegistry.UnplugCancelled));

    /// <summary>The events of the HotplugEventQueued notifications, in order.</summary>
    public IReadOnlyList<HotplugEvent> Hotplug => All.Select(n => n.Args).OfType<HotplugEventQueuedEventArgs>().Select(e => e.Event).ToList();

    public void Clear()
    {
        lock (_all)
        {
            _all.Clear();
        }
    }

    private IReadOnlyList<UnplugEventArgs> Of(string kind) => All.Where(n => n.Kind == kind).Select(n => (UnplugEventArgs)n.Args).ToList();

    private void Add(string kind, EventArgs args)
    {
        lock (_all)
        {
            _all.Add((kind, args));
        }
    }
}
