namespace Spapr.Drc;

/// <summary>
/// The operations on a <see cref="SyncLock"/> beyond <c>lock</c>, for both of its types (see SyncLock.cs): one place
/// for the difference, so that the registry and the outbox need no conditional code of their own.
/// </summary>
internal static class SyncLocks
{
#if NET9_0_OR_GREATER
    public static bool TryEnter(SyncLock gate) => gate.TryEnter();

    public static void Exit(SyncLock gate) => gate.Exit();

    public static bool IsHeldByCurrentThread(SyncLock gate) => gate.IsHeldByCurrentThread;
#else
    public static bool TryEnter(SyncLock gate) => Monitor.TryEnter(gate);

    public static void Exit(SyncLock gate) => Monitor.Exit(gate);

    public static bool IsHeldByCurrentThread(SyncLock gate) => Monitor.IsEntered(gate);
#endif
}
