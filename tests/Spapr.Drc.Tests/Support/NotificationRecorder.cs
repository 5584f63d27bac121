namespace Spapr.Drc.Tests.Support;

/// <summary>Records every notification of a registry in the order it was raised.</summary>
internal sealed class NotificationRecorder
{
    private readonly List<(string Kind, EventArgs Args)> _all = [];

    public NotificationRecorder(DrcRegistry registry)
    {
        registry.UnplugCompleted += (_, e) => Add("UnplugCompleted", e);
        registry.UnplugTimedOut += (_, e) => Add("UnplugTimedOut", e);
        registry.UnplugRejectedByGuest += (_, e) => Add("UnplugRejectedByGuest", e);
        registry.UnplugCancelled += (_, e) => Add("UnplugCancelled", e);
        registry.HotplugEventQueued += (_, e) => Add("HotplugEventQueued", e);
    }

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

    public IReadOnlyList<UnplugEventArgs> Unplug => All.Select(n => n.Args).OfType<UnplugEventArgs>().ToList();

    public IReadOnlyList<HotplugEvent> Hotplug => All.Select(n => n.Args).OfType<HotplugEventQueuedEventArgs>().Select(e => e.Event).ToList();

    public void Clear()
    {
        lock (_all)
        {
            _all.Clear();
        }
    }

    private void Add(string kind, EventArgs args)
    {
        lock (_all)
        {
            _all.Add((kind, args));
        }
    }
}
