using System.Buffers;

namespace Spapr.Drc;

/// <summary>Snapshot save and load (SPEC section 7); the format is described in Snapshot/FORMAT.md.</summary>
public sealed partial class DrcRegistry
{
    /// <summary>
    /// Writes the registry's dynamic state (connector states, released LMBs, pending unplugs and their timers, the hotplug
    /// event queue, the counters) into <paramref name="destination"/>. Devices are not written: the destination machine
    /// creates the same connectors and cold-plugs its own devices before loading. A connector in the state cold plug
    /// gives it (device ready, or empty) with nothing pending and the default DR indicator costs no bytes.
    /// </summary>
    /// <param name="destination">Where the stream goes; written through its spans directly.</param>
    /// <returns>The number of bytes written.</returns>
    public long SaveSnapshot(IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return _core.Host(destination, static (core, d) => SnapshotWriter.Save(core, d));
    }

    /// <summary>Writes the snapshot to a stream (see <see cref="SaveSnapshot(IBufferWriter{byte})"/>).</summary>
    /// <param name="destination">The stream.</param>
    /// <returns>The number of bytes written.</returns>
    public long SaveSnapshot(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var buffer = new ArrayBufferWriter<byte>();
        long written = SaveSnapshot(buffer);
        destination.Write(buffer.WrittenSpan);
        return written;
    }

    /// <summary>Returns the snapshot as an array (see <see cref="SaveSnapshot(IBufferWriter{byte})"/>).</summary>
    /// <returns>The stream's bytes.</returns>
    public byte[] SaveSnapshot()
    {
        var buffer = new ArrayBufferWriter<byte>();
        SaveSnapshot(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Replaces the registry's dynamic state with a snapshot. The registry must have the same connectors as the source
    /// and the same devices attached (cold plug, from the emulator's own configuration, memory devices over the same LMB
    /// ranges); the stream says which are pending, which LMBs the guest already released, and in which state. Everything
    /// is checked first; on any problem nothing changes. Unplug requests pending here before the load are dropped without
    /// notification, and no notification is raised for the state the snapshot brings.
    /// </summary>
    /// <param name="snapshot">The stream.</param>
    /// <param name="options">How timers continue; <see langword="null"/> for <see cref="SnapshotTimerMode.ResumeRemaining"/>.</param>
    /// <exception cref="DrcSnapshotException">The stream is corrupt, truncated, foreign, of a newer format, or does not match this registry; nothing changed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The options name an unknown timer mode.</exception>
    public void LoadSnapshot(ReadOnlySpan<byte> snapshot, SnapshotLoadOptions? options)
    {
        var mode = options?.TimerMode ?? SnapshotTimerMode.ResumeRemaining;
        if (mode is not (SnapshotTimerMode.ResumeRemaining or SnapshotTimerMode.RestartFull))
        {
            throw new ArgumentOutOfRangeException(nameof(options), mode, "Unknown timer mode.");
        }

        ObjectDisposedException.ThrowIf(_core.Disposed, this);
        using var parsed = ParsedSnapshot.Parse(snapshot);
        _core.Host((parsed, mode), static (core, a) =>
        {
            long now = core.NowTicks;
            using var plan = SnapshotValidator.Validate(core, a.parsed, now);
            plan.Apply(core, now, a.mode);
            return true;
        });
    }

    /// <summary>Loads a snapshot with the default options (see <see cref="LoadSnapshot(ReadOnlySpan{byte}, SnapshotLoadOptions?)"/>).</summary>
    /// <param name="snapshot">The stream.</param>
    /// <exception cref="DrcSnapshotException">The stream was refused; nothing changed.</exception>
    public void LoadSnapshot(ReadOnlySpan<byte> snapshot) => LoadSnapshot(snapshot, null);

    /// <summary>Loads a snapshot from a stream, read to its end, with the default options.</summary>
    /// <param name="source">The stream.</param>
    /// <exception cref="DrcSnapshotException">The stream was refused; nothing changed.</exception>
    public void LoadSnapshot(Stream source) => LoadSnapshot(source, null);

    /// <summary>Loads a snapshot from a stream, read to its end (see <see cref="LoadSnapshot(ReadOnlySpan{byte}, SnapshotLoadOptions?)"/>).</summary>
    /// <param name="source">The stream.</param>
    /// <param name="options">How timers continue; <see langword="null"/> for <see cref="SnapshotTimerMode.ResumeRemaining"/>.</param>
    /// <exception cref="DrcSnapshotException">The stream was refused; nothing changed.</exception>
    public void LoadSnapshot(Stream source, SnapshotLoadOptions? options)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var copy = new MemoryStream();
        source.CopyTo(copy);
        LoadSnapshot(copy.GetBuffer().AsSpan(0, (int)copy.Length), options);
    }
}
