using Xunit.Abstractions;
using Xunit.Sdk;

namespace Spapr.Drc.Conformance.Qemu;

/// <summary>Holds a run's messages so that a run QEMU crashed under can be dropped instead of reported.</summary>
internal sealed class DelayedMessageBus(IMessageBus inner) : IMessageBus
{
    private readonly List<IMessageSinkMessage> _messages = [];

    public bool QueueMessage(IMessageSinkMessage message)
    {
        lock (_messages)
        {
            _messages.Add(message);
        }

        return true;
    }

    /// <summary>True when a test of this run failed only because QEMU died under it.</summary>
    public bool FailedBecauseQemuCrashed()
    {
        lock (_messages)
        {
            return OnlyCrashes(_messages.OfType<ITestFailed>().Select(f => f.ExceptionTypes).ToList());
        }
    }

    /// <summary>
    /// True when there are failures and each has a <see cref="QemuCrashedException"/> among its exception types (outer
    /// and inner, as xunit reports them).
    /// </summary>
    public static bool OnlyCrashes(IReadOnlyList<string?[]> exceptionTypesPerFailure) =>
        exceptionTypesPerFailure.Count > 0
        && exceptionTypesPerFailure.All(types => types.Contains(typeof(QemuCrashedException).FullName));

    /// <summary>Passes the held messages on.</summary>
    public void Flush()
    {
        lock (_messages)
        {
            foreach (var message in _messages)
            {
                inner.QueueMessage(message);
            }

            _messages.Clear();
        }
    }

    public void Dispose()
    {
    }
}
