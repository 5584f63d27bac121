namespace Spapr.Drc;

internal sealed partial class RegistryCore
{
    /// <summary>
    /// Checks every invariant of every connector, device, request and queued event; throws naming the first broken one.
    /// Cheap enough for tests after every step; Debug builds run it at the end of each entry point. Under the lock.
    /// </summary>
    /// <exception cref="InvalidOperationException">An invariant does not hold.</exception>
    public void AssertInvariants()
    {
        lock (Sync)
        {
            var listed = new HashSet<SpaprDrc>();
            foreach (var drc in Changes.Enlisted())
            {
                Check(listed.Add(drc), drc, "listed twice as changed");
                Check(drc.IsEnlisted || drc.IsRemoved, drc, "on the change list but not marked as listed");
            }

            var devices = new HashSet<AttachedDevice>();
            int held = 0;
            foreach (var drc in Connectors.Values)
            {
                var rules = drc.Kind.Rules;
                var state = drc.State;
                Check(!drc.IsRemoved, drc, "removed but still registered");
                Check(drc.IsEnlisted == listed.Contains(drc), drc, "its change-list mark disagrees with the list");
                Check(drc.IsEnlisted || drc.IsInColdPlugState, drc, "differs from cold plug but is not on the change list (a snapshot would leave it out)");
                Check(rules.IsValidState(state), drc, $"state {state} is not valid for a {rules.Class} connector");
                Check(drc.IsHeld || state == rules.EmptyState, drc, "no device but not in the empty state");
                Check(drc.EntitySense == rules.SenseOf(state, drc.IsHeld), drc, $"its entity sense {drc.EntitySense} is stale (state {state}, held {drc.IsHeld})");
                Check(rules.HasDrIndicator || drc.DrIndicator == DrIndicator.Inactive, drc, "a logical connector has a DR indicator");
                Check(drc.OwnerValue == 0 || Connectors.ContainsKey(drc.OwnerValue), drc, "its owner left the machine but it did not");
                var device = drc.AttachedDevice;
                Check(device is not null || !drc.IsHeld, drc, "holds a device it does not name");
                Check(drc.Cursor == 0 || (drc.IsHeld && device!.FlatIfBuilt(drc.Ordinal) is { } flat && drc.Cursor < flat.Tokens.Length), drc, "configure-connector cursor out of range");
                if (device is not null)
                {
                    devices.Add(device);
                    Check(device.IsAttached, drc, "names a device whose removal ended");
                    Check(drc.Ordinal < device.ConnectorSpan.Length && ReferenceEquals(device.ConnectorSpan[drc.Ordinal], drc), drc, "is not where its device says (a connector of two devices?)");
                    held += drc.IsHeld ? 1 : 0;
                }

                if (drc.RequestSlot != 0)
                {
                    Check(drc.IsHeld, drc, "an unplug is pending on a connector that holds no device");
                    Check(Unplugs.Requests.IsLive(drc.RequestSlot), drc, "its request slot is free");
                    Check(device!.RequestSlot == drc.RequestSlot, drc, "its request is not its device's");
                }
            }

            int pending = 0;
            foreach (var device in devices)
            {
                int heldHere = 0;
                int waiting = 0;
                foreach (var drc in device.ConnectorSpan)
                {
                    Check(ReferenceEquals(drc.AttachedDevice, device), drc, $"belongs to {device} but names another device");
                    heldHere += drc.IsHeld ? 1 : 0;
                    waiting += drc.RequestSlot != 0 ? 1 : 0;
                }

                Check(heldHere == device.HeldCount && heldHere > 0, device.First, $"device {device} counts {device.HeldCount} held connectors, {heldHere} hold it");
                if (device.RequestSlot != 0)
                {
                    pending++;
                    ref var record = ref Unplugs.Requests[device.RequestSlot];
                    Check(ReferenceEquals(record.Device, device), device.First, "its request names another device");
                    Check(record.Waiting == waiting && waiting == heldHere, device.First, $"its request waits for {record.Waiting} connectors, {waiting} are marked, {heldHere} held");
                    Check(!(record.TimerRunning && record.TimedOut), device.First, "a timed-out request still has a deadline");
                    Check(record.TimerRunning || record.TimedOut || !record.HasTimeout, device.First, "a request with a timeout has no timer and did not time out");
                }
            }

            Check(devices.Count == Unplugs.DeviceCount, null, $"the coordinator counts {Unplugs.DeviceCount} devices, {devices.Count} are attached");
            Check(pending == Unplugs.PendingCount, null, $"the request table holds {Unplugs.PendingCount} requests, devices have {pending}");
            Check(held == Changes.DeviceCount, null, $"device count {Changes.DeviceCount} but {held} connectors hold a device");
            foreach (var e in Unplugs.Events.Items)
            {
                if (e.HasIndex)
                {
                    for (uint i = 0; i < e.Count; i++)
                    {
                        Check(Connectors.ContainsKey(e.Index + i), null, $"a queued event names 0x{e.Index + i:X8}, which left the machine");
                    }
                }
            }
        }

        static void Check(bool condition, SpaprDrc? drc, string what)
        {
            if (!condition)
            {
                throw new InvalidOperationException(drc is null ? $"Invariant broken: {what}." : $"Invariant broken on {drc.Name} ({drc.Index}): {what}.");
            }
        }
    }
}
