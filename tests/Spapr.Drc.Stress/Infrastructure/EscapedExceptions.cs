namespace Spapr.Drc.Stress.Infrastructure;

/// <summary>
/// Counts exceptions that escaped to the process: unhandled ones (thread-pool timer callbacks) and unobserved
/// task exceptions. Hooked once per process; tests compare counts before and after.
/// </summary>
internal static class EscapedExceptions
{
    private static long s_unhandled;
    private static long s_unobserved;

    static EscapedExceptions()
    {
        AppDomain.CurrentDomain.UnhandledException += (_, _) => Interlocked.Increment(ref s_unhandled);
        TaskScheduler.UnobservedTaskException += (_, e) =>
        {
            Interlocked.Increment(ref s_unobserved);
            e.SetObserved();
        };
    }

    public static long Count
    {
        get
        {
            // Unobserved task exceptions surface only when their tasks are finalized.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return Interlocked.Read(ref s_unhandled) + Interlocked.Read(ref s_unobserved);
        }
    }
}
