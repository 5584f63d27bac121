namespace Spapr.Drc;

public sealed partial class DrcRegistry
{
    /// <summary>
    /// Sets whether the guest negotiated the hot-plug event class without the reset that negotiation implies, so
    /// events already queued keep the class they were queued in. Through the public API the queue never mixes
    /// classes (negotiation and reset empty it); restoring a machine's state (snapshot load) and tests of the
    /// dequeue rule need to set the flag alone.
    /// </summary>
    internal void SetHotplugEventsNegotiatedWithoutReset(bool negotiated)
    {
        lock (_sync)
        {
            _hotplugEventsNegotiated = negotiated;
        }
    }
}
