using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Stress.Infrastructure;

/// <summary>
/// Saves a live registry's snapshot together with its device layout (one atomic view under the registry lock), builds
/// a second registry the way an emulator's migration destination would (same connectors, same devices cold-plugged),
/// loads the stream and compares what the guest and the host can see.
/// </summary>
internal static class SnapshotCheck
{
    public static long Loads;

    /// <returns>Why the loaded registry differs from the saved one, or <see langword="null"/>.</returns>
    public static string? SaveAndLoad(DrcRegistry source)
    {
        byte[] stream;
        Connector[] layout;
        AttachedDevice[] devices;
        int events;
        lock (source.Sync)
        {
            stream = source.SaveSnapshot();
            layout = [.. source.Connectors.Select(c => new Connector(c.Index, c.Owner, c.AttachedDevice, c.State, c.IsUnplugPending, c.DrIndicator, c.Device is not null))];
            devices = [.. layout.Select(c => c.Device).OfType<AttachedDevice>().Distinct()];
            events = source.GetQueuedEvents().Count;
        }

        // A paused clock: a deadline that passed on the source must not fire during the comparison.
        var clock = new PausableTimeProvider(new FakeTimeProvider(source.TimeProvider.GetUtcNow()), startPaused: true);
        using var destination = new DrcRegistry(source.Core.Options, clock);
        foreach (var c in layout)
        {
            destination.CreateConnector(c.Index.Type, c.Index.Id, c.Owner);
        }

        // The destination attaches every device of the source whole, as an emulator's configuration would; the stream
        // says which LMBs of a memory device the guest already released. Every state the public API reaches loads.
        foreach (var device in devices)
        {
            if (device.Connectors.Length == 1)
            {
                destination.Attach(device.Index, device.Device, device.FragmentAt(0), PlugMode.Cold);
            }
            else
            {
                destination.AttachMemoryDevice(device.Index, device.Connectors.Length, device.Device, i => device.FragmentAt((int)(i.Value - device.Index.Value)), PlugMode.Cold);
            }
        }

        destination.LoadSnapshot(stream);
        destination.AssertInvariants();
        Interlocked.Increment(ref Loads);
        var loaded = destination.Connectors;
        for (int i = 0; i < layout.Length; i++)
        {
            var want = layout[i];
            var got = loaded[i];
            if (got.Index != want.Index || got.State != want.State || got.IsUnplugPending != want.Pending || got.DrIndicator != want.DrIndicator || got.Device is not null != want.Held)
            {
                return $"{want.Index}: saved {want.State} pending={want.Pending} dr={want.DrIndicator} held={want.Held}, loaded {got.State} pending={got.IsUnplugPending} dr={got.DrIndicator} held={got.Device is not null}";
            }
        }

        int loadedEvents = destination.GetQueuedEvents().Count;
        return loadedEvents == events ? null : $"saved {events} queued events, loaded {loadedEvents}";
    }

    private sealed record Connector(DrcIndex Index, DrcIndex? Owner, AttachedDevice? Device, DrcState State, bool Pending, DrIndicator DrIndicator, bool Held);
}
