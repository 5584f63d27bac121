namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// Listens to a registry's notifications as they happen and keeps them, in order, for the timeline line of the
/// command that caused them; each goes to the state observer too, for the swim lanes.
/// </summary>
internal sealed class NotificationListener(StateObserver observer)
{
    public const string UnplugCompleted = "unplug-completed";
    public const string UnplugTimedOut = "unplug-timed-out";
    public const string UnplugRejectedByGuest = "unplug-rejected-by-guest";
    public const string UnplugCancelled = "unplug-cancelled";
    public const string HotplugEventQueued = "hotplug-event-queued";

    private readonly List<NotificationInfo> _pending = [];

    /// <summary>The command being executed (a completion inside <c>unplug</c> reads "released at once").</summary>
    public ScenarioStep? CurrentStep { get; set; }

    /// <summary>Listens to <paramref name="registry"/>, the registry of <paramref name="machine"/> (a load replaces it).</summary>
    public void Subscribe(SimMachine machine, DrcRegistry registry)
    {
        registry.UnplugCompleted += (_, e) => OnUnplug(machine, UnplugCompleted, e);
        registry.UnplugTimedOut += (_, e) => OnUnplug(machine, UnplugTimedOut, e);
        registry.UnplugRejectedByGuest += (_, e) => OnUnplug(machine, UnplugRejectedByGuest, e);
        registry.UnplugCancelled += (_, e) => OnUnplug(machine, UnplugCancelled, e);
        registry.HotplugEventQueued += (_, e) => OnHotplugEvent(machine, e.Event);
    }

    /// <summary>The notifications since the last call, in the order they were raised.</summary>
    public IReadOnlyList<NotificationInfo> TakeAll()
    {
        var taken = _pending.ToList();
        _pending.Clear();
        return taken;
    }

    private void OnUnplug(SimMachine machine, string kind, UnplugEventArgs e)
    {
        string outcome = Format.Outcome(e.Outcome);
        var notification = new NotificationInfo(machine.Clock.ElapsedMs, kind, e.Index, e.Name, NotificationText.Unplug(e, CurrentStep is UnplugStep), w =>
        {
            w.WriteString("outcome", outcome);
            w.WriteBoolean("terminal", e.IsTerminal);
            w.WriteString("device", Format.Device(e.Device));
        });
        observer.UnplugNotified(machine.Number, notification, e.RequestId, timedOut: kind == UnplugTimedOut);
        _pending.Add(notification);
    }

    private void OnHotplugEvent(SimMachine machine, HotplugEvent e)
    {
        var notification = new NotificationInfo(machine.Clock.ElapsedMs, HotplugEventQueued, e.Index ?? default, Format.EventSubject(e), Format.Event(e), w =>
        {
            w.WriteString("type", Format.HotplugType(e.Type));
            w.WriteString("action", Format.Action(e.Action));
            w.WriteString("identifier", Format.Identifier(e.Identifier));
            w.WriteNumber("count", e.Count);
        }, NamesConnector: e.Index is not null);
        observer.EventQueued(machine.Number, notification);
        _pending.Add(notification);
    }
}
