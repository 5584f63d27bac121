namespace Spapr.Drc;

/// <summary>
/// The registry's notifications: queued in order under the registry lock, raised after it is released, one thread
/// at a time, in the order they were queued. A handler that throws is logged and changes nothing. After
/// <see cref="Close"/> returns nothing is raised any more.
/// </summary>
internal sealed class NotificationOutbox
{
    private readonly RegistryCore _core;
    private readonly Queue<QueuedNotification> _queue = new();
    private readonly SyncLock _dispatchSync = new();

    // Items in _queue, written under the registry lock: a thread that queued nothing leaves Dispatch without a lock.
    private volatile int _queued;

    // Owned by whichever thread holds _dispatchSync: the notifications it is raising.
    private readonly List<QueuedNotification> _batch = [];

    public NotificationOutbox(RegistryCore core) => _core = core;

    public EventHandler<UnplugEventArgs>? UnplugCompleted { get; set; }

    public EventHandler<UnplugEventArgs>? UnplugTimedOut { get; set; }

    public EventHandler<UnplugEventArgs>? UnplugRejectedByGuest { get; set; }

    public EventHandler<UnplugEventArgs>? UnplugCancelled { get; set; }

    public EventHandler<HotplugEventQueuedEventArgs>? HotplugEventQueued { get; set; }

    /// <summary>Whether a notification of <paramref name="kind"/> has a handler to go to (read under the registry lock when queuing).</summary>
    public bool IsHandled(NotificationKind kind) => kind switch
    {
        NotificationKind.HotplugEventQueued => HotplugEventQueued is not null,
        NotificationKind.UnplugCompleted => UnplugCompleted is not null,
        NotificationKind.UnplugTimedOut => UnplugTimedOut is not null,
        NotificationKind.UnplugRejectedByGuest => UnplugRejectedByGuest is not null,
        _ => UnplugCancelled is not null,
    };

    /// <summary>
    /// Queues a notification; under the registry lock. One nobody handles is not queued at all: a handler receives the
    /// notifications queued after it subscribed, and a machine without handlers pays nothing for them.
    /// </summary>
    public void Enqueue(in QueuedNotification notification)
    {
        if (!_core.Disposed && IsHandled(notification.Kind))
        {
            _queue.Enqueue(notification);
            _queued = _queue.Count;
        }
    }

    /// <summary>
    /// Stops the outbox (registry disposal): what is queued is dropped, and this waits for a handler running on another
    /// thread to return, so that no handler starts after it returns. Called outside the registry lock. A handler that
    /// disposes the registry is not waited for (it is the caller).
    /// </summary>
    public void Close()
    {
        lock (_core.Sync)
        {
            _queue.Clear();
            _queued = 0;
        }

        if (!SyncLocks.IsHeldByCurrentThread(_dispatchSync))
        {
            lock (_dispatchSync)
            {
                _batch.Clear();
            }
        }
    }

    /// <summary>Raises everything queued; called by every entry point after it released the registry lock.</summary>
    public void Dispatch()
    {
        // Nothing queued (what a call that raised no notification sees): no lock to take. Items another thread is
        // queuing right now are that thread's to dispatch.
        if (_queued == 0)
        {
            return;
        }

        // A handler that calls back into the registry is already inside the drain loop on this thread (the lock
        // is reentrant): draining here would raise later items before the current one reached every handler.
        if (SyncLocks.IsHeldByCurrentThread(_dispatchSync))
        {
            return;
        }

        while (true)
        {
            // One thread drains at a time; a thread that finds another draining leaves its items to it, and
            // re-checks after the drainer exits.
            if (!SyncLocks.TryEnter(_dispatchSync))
            {
                return;
            }

            try
            {
                Drain();
            }
            finally
            {
                SyncLocks.Exit(_dispatchSync);
            }

            lock (_core.Sync)
            {
                if (_queue.Count == 0 || _core.Disposed)
                {
                    return;
                }
            }
        }
    }

    private void Drain()
    {
        // Everything queued so far is taken in one lock hold and raised outside it: thousands of timeouts firing at
        // once cost one lock acquisition here, not one each against the callers of the registry. Items a handler
        // queues meanwhile come after the batch, as they would one by one.
        var batch = _batch;
        while (true)
        {
            lock (_core.Sync)
            {
                while (_queue.TryDequeue(out var queued))
                {
                    batch.Add(queued);
                }

                _queued = 0;
            }

            if (batch.Count == 0)
            {
                return;
            }

            // Counted before it is raised: should anything escape Raise (handler failures do not), that item is not
            // raised twice, and the rest of the batch stays first in line for the next drain.
            int done = 0;
            try
            {
                while (done < batch.Count)
                {
                    // Disposal drops what is left: no handler starts once Dispose has returned.
                    if (_core.Disposed)
                    {
                        done = batch.Count;
                        return;
                    }

                    Raise(batch[done++]);
                }
            }
            finally
            {
                batch.RemoveRange(0, done);
            }
        }
    }

    private void Raise(in QueuedNotification n)
    {
        if (n.Kind == NotificationKind.HotplugEventQueued)
        {
            if (HotplugEventQueued is { } queued)
            {
                Invoke(queued, new HotplugEventQueuedEventArgs(n.Event.ToEvent()), n.Kind);
            }

            return;
        }

        var handlers = n.Kind switch
        {
            NotificationKind.UnplugCompleted => UnplugCompleted,
            NotificationKind.UnplugTimedOut => UnplugTimedOut,
            NotificationKind.UnplugRejectedByGuest => UnplugRejectedByGuest,
            _ => UnplugCancelled,
        };
        if (handlers is not null)
        {
            Invoke(handlers, n.ToUnplugArgs(), n.Kind);
        }
    }

    private void Invoke<TArgs>(EventHandler<TArgs> handlers, TArgs args, NotificationKind kind)
    {
#if NET9_0_OR_GREATER
        foreach (var handler in Delegate.EnumerateInvocationList(handlers))
#else
        foreach (EventHandler<TArgs> handler in handlers.GetInvocationList())
#endif
        {
            if (_core.Disposed)
            {
                return;
            }

            try
            {
                handler(_core.Facade, args);
            }
#pragma warning disable CA1031 // A handler is the emulator's code; its failure must not break the registry or the clock.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.HandlerFailed(_core.Logger, ex, kind.ToString());
            }
        }
    }
}
