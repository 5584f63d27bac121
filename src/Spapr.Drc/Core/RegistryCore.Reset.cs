namespace Spapr.Drc;

internal sealed partial class RegistryCore
{
    /// <summary>
    /// Machine reset and client-architecture-support (SPEC section 5): pending unplugs complete, then every connector
    /// takes the state cold plug gives it, and the hotplug event queue is emptied. Connectors off the change list are in
    /// that state already, so only the listed ones are visited.
    /// </summary>
    public bool ResetMachine(string reason, bool negotiated)
    {
        int released = Unplugs.ReleaseAllPending(UnplugOutcome.CompletedByReset);
        foreach (var drc in Changes.Current())
        {
            drc.ResetToColdPlug();
        }

        // Every event this library queues is a hotplug event; other sources are the emulator's.
        Unplugs.Events.Clear();
        Negotiated = negotiated;
        Log.Reset(Logger, Connectors.Count, reason, released);
        return true;
    }
}
