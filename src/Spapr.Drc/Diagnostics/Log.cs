using Microsoft.Extensions.Logging;

namespace Spapr.Drc;

/// <summary>Every log message of the library, with fixed event ids (documented in the README).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "DRC {Index} {Name}: created")]
    public static partial void ConnectorCreated(ILogger logger, DrcIndex index, string name);

    [LoggerMessage(2, LogLevel.Debug, "DRC {Index} {Name}: {Call} {Value}: {OldState} -> {NewState}, status {Status}")]
    public static partial void StateChanged(ILogger logger, DrcIndex index, string name, string call, uint value, DrcState oldState, DrcState newState, int status);

    [LoggerMessage(3, LogLevel.Information, "DRC {Index} {Name}: attached {Device} ({Mode}), state {State}")]
    public static partial void Attached(ILogger logger, DrcIndex index, string name, object device, PlugMode mode, DrcState state);

    [LoggerMessage(4, LogLevel.Information, "DRC {Index} {Name}: released {Device} ({Outcome})")]
    public static partial void Released(ILogger logger, DrcIndex index, string name, object device, UnplugOutcome outcome);

    [LoggerMessage(5, LogLevel.Information, "Machine reset of {Count} connectors ({Reason}): {Released} pending unplugs completed")]
    public static partial void Reset(ILogger logger, int count, string reason, int released);

    [LoggerMessage(6, LogLevel.Information, "DRC {Index} {Name}: unplug of {Device} {Status}, timeout {Timeout}")]
    public static partial void UnplugRequested(ILogger logger, DrcIndex index, string name, object device, UnplugRequestStatus status, TimeSpan timeout);

    [LoggerMessage(7, LogLevel.Warning, "DRC {Index} {Name}: unplug of {Device} timed out after {Timeout}; the guest has not released it ({Policy})")]
    public static partial void UnplugTimedOut(ILogger logger, DrcIndex index, string name, object device, TimeSpan timeout, UnplugTimeoutPolicy policy);

    [LoggerMessage(8, LogLevel.Warning, "DRC {Index} {Name}: unplug of {Device} rejected by the guest")]
    public static partial void UnplugRejected(ILogger logger, DrcIndex index, string name, object device);

    [LoggerMessage(9, LogLevel.Information, "DRC {Index} {Name}: unplug of {Device} cancelled by the host (the guest is not told)")]
    public static partial void UnplugCancelled(ILogger logger, DrcIndex index, string name, object device);

    [LoggerMessage(10, LogLevel.Error, "A {Notification} notification handler threw; the registry is unaffected")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string notification);

    [LoggerMessage(11, LogLevel.Debug, "Hotplug event queued: {Type} {Action} {Identifier} index {Index} count {Count}, class {EventClass}, log id {LogId}")]
    public static partial void HotplugEventQueued(ILogger logger, HotplugType type, HotplugAction action, HotplugIdentifier identifier, DrcIndex index, uint count, RtasEventClasses eventClass, uint logId);

    [LoggerMessage(12, LogLevel.Debug, "DRC {Index} {Name}: configure-connector {Status}")]
    public static partial void Configured(ILogger logger, DrcIndex index, string name, ConfigureConnectorStatus status);

    [LoggerMessage(13, LogLevel.Error, "The unplug timer callback failed; the registry is unaffected")]
    public static partial void TimerCallbackFailed(ILogger logger, Exception exception);

    [LoggerMessage(14, LogLevel.Information, "DRC {Index} {Name}: removed with its owner")]
    public static partial void ConnectorRemoved(ILogger logger, DrcIndex index, string name);
}
