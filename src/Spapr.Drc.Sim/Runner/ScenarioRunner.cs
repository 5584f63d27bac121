using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Spapr.Drc.Sim.Runner;

/// <summary>
/// Replays a scenario (SPEC section 9) against a fresh registry on a virtual clock, through the library's public
/// API only, and writes the timeline. Tests call it in-process with their own writers.
/// </summary>
internal sealed class ScenarioRunner
{
    /// <summary>Exit code: every line ran and every expect held.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code: an expect did not hold.</summary>
    public const int ExitExpectFailed = 1;

    /// <summary>Exit code: a malformed line, a missing file, or a line naming what the machine lacks.</summary>
    public const int ExitMalformed = 2;

    private readonly TextWriter _error;
    private readonly TimelineWriter _timeline;
    private readonly List<NotificationInfo> _pending = [];
    private readonly Dictionary<uint, DrcState> _states = [];
    private readonly Dictionary<uint, long> _createdAt = [];
    private readonly Dictionary<long, TimeoutWindowRecord> _openWindows = [];
    private RunRecording _recording = new();
    private SimMachine? _machine;
    private ScenarioStep? _current;
    private byte[]? _snapshot;

    public ScenarioRunner(TextWriter output, TextWriter error, bool json = false, bool color = false)
    {
        _error = error;
        _timeline = new TimelineWriter(output, json, color);
    }

    /// <summary>What the last run did in virtual time (for the SVG timeline).</summary>
    public RunRecording? Recording { get; private set; }

    private SimMachine Machine => _machine ?? throw new InvalidOperationException("No machine.");

    /// <summary>Runs a scenario file from disk.</summary>
    public int RunFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            _error.WriteLine($"{path}: cannot read the scenario: {e.Message}");
            return ExitMalformed;
        }

        return Run(path, text);
    }

    /// <summary>Runs a scenario. <paramref name="source"/> names it in messages (<c>file:line: what is wrong</c>).</summary>
    public int Run(string source, string text)
    {
        IReadOnlyList<ScenarioStep> steps;
        try
        {
            steps = ScenarioParser.Parse(text);
        }
        catch (ScenarioException e)
        {
            _error.WriteLine($"{source}:{e.Line}: {e.Message}");
            return ExitMalformed;
        }

        _recording = new RunRecording();
        _timeline.Heading(source);
        StartMachine(1, new DrcOptions());
        try
        {
            string? previous = null;
            int previousLine = 0;
            foreach (var step in steps)
            {
                if (step is ExpectStep expect)
                {
                    if (previous is null)
                    {
                        throw new ScenarioException(step.Line, "expect has no command before it to check");
                    }

                    if (!previous.Contains(expect.Expected, StringComparison.Ordinal))
                    {
                        _error.WriteLine($"{source}:{step.Line}: expect failed");
                        _error.WriteLine($"  expected: {expect.Expected}");
                        _error.WriteLine($"  actual output of line {previousLine}:");
                        foreach (var line in previous.Split('\n'))
                        {
                            _error.WriteLine("    " + line.Trim());
                        }

                        return ExitExpectFailed;
                    }

                    continue;
                }

                var outcome = Execute(step);
                _timeline.Command(outcome);
                var plain = new StringBuilder(TimelineWriter.PlainCommand(outcome));
                foreach (var n in _pending)
                {
                    _timeline.Notification(n);
                    plain.Append('\n').Append(TimelineWriter.PlainNotification(n));
                }

                _pending.Clear();
                previous = plain.ToString();
                previousLine = step.Line;
            }

            return ExitOk;
        }
        catch (ScenarioException e)
        {
            _error.WriteLine($"{source}:{e.Line}: {e.Message}");
            return ExitMalformed;
        }
        finally
        {
            FinishMachine();
            Recording = _recording;
        }
    }

    private void StartMachine(int number, DrcOptions options)
    {
        FinishMachine();
        var machine = new SimMachine(number, options);
        Subscribe(machine, machine.Registry);
        _machine = machine;
        _states.Clear();
        _createdAt.Clear();
        _openWindows.Clear();
    }

    private void Subscribe(SimMachine machine, DrcRegistry registry)
    {
        registry.UnplugCompleted += (_, e) => OnUnplug(machine, "unplug-completed", e);
        registry.UnplugTimedOut += (_, e) => OnUnplug(machine, "unplug-timed-out", e);
        registry.UnplugRejectedByGuest += (_, e) => OnUnplug(machine, "unplug-rejected-by-guest", e);
        registry.UnplugCancelled += (_, e) => OnUnplug(machine, "unplug-cancelled", e);
        registry.HotplugEventQueued += (_, e) => OnHotplugEvent(machine, e.Event);
    }

    private void FinishMachine()
    {
        if (_machine is null)
        {
            return;
        }

        long end = _machine.Clock.ElapsedMs;
        foreach (var window in _openWindows.Values)
        {
            window.EndMs = end;
        }

        _openWindows.Clear();
        _recording.EndMs = Math.Max(_recording.EndMs, end);
        _machine.Dispose();
        _machine = null;
    }

    private StepOutcome Execute(ScenarioStep step)
    {
        var machine = Machine;
        if (step is MachineStep m)
        {
            return ExecuteMachine(m);
        }

        machine.Used = true;
        _current = step;
        var outcome = new StepOutcome(step, machine.Clock.ElapsedMs);
        switch (step)
        {
            case ConnectorStep s: ExecuteConnector(s, outcome); break;
            case PlugStep s: ExecutePlug(s, outcome); break;
            case UnplugStep s: ExecuteUnplug(s, outcome); break;
            case CancelStep s: ExecuteCancel(s, outcome); break;
            case SetIndicatorStep s: ExecuteSetIndicator(s, outcome); break;
            case GetSensorStateStep s: ExecuteGetSensorState(s, outcome); break;
            case ConfigureConnectorStep s: ExecuteConfigureConnector(s, outcome); break;
            case GuestStep s: ExecuteGuest(s, outcome); break;
            case CheckExceptionStep s: ExecuteCheckException(s, outcome); break;
            case AdvanceStep s: ExecuteAdvance(s, outcome); break;
            case ShowStep s: ExecuteShow(s, outcome); break;
            case PlainStep s: ExecutePlain(s, outcome); break;
            default: throw new ScenarioException(step.Line, $"'{step.Verb}' cannot run here");
        }

        Observe(outcome);
        _current = null;
        return outcome;
    }

    private StepOutcome ExecuteMachine(MachineStep step)
    {
        var options = new DrcOptions { TimeoutPolicy = step.Policy };
        foreach (var (type, timeout) in step.Timeouts)
        {
            options.SetUnplugTimeout(type, timeout);
        }

        int number = Machine.Used ? Machine.Number + 1 : Machine.Number;
        StartMachine(number, options);
        var registry = Machine.Registry;
        var outcome = new StepOutcome(step, 0);
        string policy = step.Policy == UnplugTimeoutPolicy.KeepPending ? "keep-pending" : "clear-request";
        var timeouts = string.Join(", ", new[] { DrcType.Cpu, DrcType.Phb, DrcType.Pci, DrcType.Lmb, DrcType.Pmem }
            .Select(t => $"{t.ToString().ToLowerInvariant()} {Format.Duration(registry.GetUnplugTimeout(t))}"));
        outcome.Summary = string.Create(CultureInfo.InvariantCulture, $"machine {number}: timeout-action={policy}; unplug timeouts {timeouts}");
        outcome.Json = w =>
        {
            w.WriteNumber("machine", number);
            w.WriteString("timeout_action", policy);
        };
        return outcome;
    }

    private void ExecuteConnector(ConnectorStep step, StepOutcome outcome)
    {
        IReadOnlyList<SpaprDrc> created;
        try
        {
            created = Machine.Registry.CreateConnectors(step.Type, step.Id, step.Count);
        }
        catch (InvalidOperationException e)
        {
            throw new ScenarioException(step.Line, e.Message);
        }

        foreach (var drc in created)
        {
            _states[drc.Index.Value] = drc.State;
            _createdAt[drc.Index.Value] = Machine.Clock.ElapsedMs;
        }

        outcome.Summary = created.Count == 1
            ? $"created {Format.Connector(created[0])}, {Format.State(created[0].State)}"
            : $"created {Format.Connector(created[0])} .. {Format.Connector(created[^1])}, {Format.State(created[0].State)}";
        outcome.Json = w =>
        {
            w.WriteString("index", created[0].Index.ToString());
            w.WriteNumber("count", created.Count);
        };
    }

    private void ExecutePlug(PlugStep step, StepOutcome outcome)
    {
        var registry = Machine.Registry;
        var first = Connector(step.Line, step.Type, step.Id);
        int count = step.Lmbs ?? 1;
        for (uint i = 1; i < count; i++)
        {
            _ = Connector(step.Line, step.Type, step.Id + i);
        }

        string name = step.Name ?? step.Type.ToString().ToLowerInvariant() + step.Id.ToString(CultureInfo.InvariantCulture);
        var device = new SimDevice(name, first.Index, count);
        var mode = step.Cold ? PlugMode.Cold : PlugMode.Hot;
        bool attached = step.Type == DrcType.Lmb
            ? registry.TryAttachMemoryDevice(first.Index, count, device, DeviceFragments.For, mode, out var error)
            : registry.TryAttach(first.Index, device, DeviceFragments.For(first.Index), mode, out error);
        string modeText = step.Cold ? "cold" : "hot";
        if (!attached)
        {
            outcome.Ok = false;
            outcome.Summary = "refused: " + error;
        }
        else
        {
            Machine.Devices[name] = device;
            string span = count == 1 ? Format.Connector(first) : string.Create(CultureInfo.InvariantCulture, $"{count} LMBs from {Format.Connector(first)}");
            outcome.Summary = $"{name} attached ({modeText}) to {span}";
        }

        outcome.Json = w =>
        {
            w.WriteString("index", first.Index.ToString());
            w.WriteString("device", name);
            w.WriteString("mode", modeText);
            if (!attached)
            {
                w.WriteString("error", error);
            }
        };
    }

    private void ExecuteUnplug(UnplugStep step, StepOutcome outcome)
    {
        var index = Target(step.Line, step.Target);
        var result = Machine.Registry.RequestUnplug(index);
        outcome.Ok = result.Accepted;
        long? remainingMs = result.Status is UnplugRequestStatus.Requested or UnplugRequestStatus.Retried or UnplugRequestStatus.AlreadyPending
            && result.TimeRemaining is { } left && left != Timeout.InfiniteTimeSpan
            ? (long)left.TotalMilliseconds
            : null;
        outcome.Summary = Format.UnplugResult(result.Status) + ": " + result.Message
            + (remainingMs is { } ms ? $" [{Format.Time(ms)} left]" : string.Empty);
        outcome.Json = w =>
        {
            w.WriteString("index", result.Index.ToString());
            w.WriteString("result", Format.UnplugResult(result.Status));
            if (remainingMs is { } ms)
            {
                w.WriteNumber("remaining_ms", ms);
            }

            w.WriteString("message", result.Message);
        };
    }

    private void ExecuteCancel(CancelStep step, StepOutcome outcome)
    {
        var index = Target(step.Line, step.Target);
        bool cancelled = Machine.Registry.CancelUnplug(index);
        outcome.Ok = cancelled;
        outcome.Summary = cancelled ? "cancelled (the guest is not told: PAPR has no abort)" : "nothing pending to cancel";
        outcome.Json = w =>
        {
            w.WriteString("index", index.ToString());
            w.WriteBoolean("cancelled", cancelled);
        };
    }

    private void ExecuteSetIndicator(SetIndicatorStep step, StepOutcome outcome)
    {
        var status = Machine.Registry.Rtas.SetIndicator(step.Indicator, step.Index, step.Value);
        outcome.Ok = status == RtasStatus.Success;
        outcome.Summary = Format.Status(status);
        outcome.Json = w =>
        {
            w.WriteString("index", new DrcIndex(step.Index).ToString());
            w.WriteNumber("status", (int)status);
        };
    }

    private void ExecuteGetSensorState(GetSensorStateStep step, StepOutcome outcome)
    {
        var status = Machine.Registry.Rtas.GetSensorState(step.Sensor, step.Index, out uint value);
        outcome.Ok = status == RtasStatus.Success;
        outcome.Summary = status == RtasStatus.Success
            ? string.Create(CultureInfo.InvariantCulture, $"{Format.Status(status)}, value {value} ({(EntitySense)value})")
            : string.Create(CultureInfo.InvariantCulture, $"{Format.Status(status)}, value {value}");
        outcome.Json = w =>
        {
            w.WriteString("index", new DrcIndex(step.Index).ToString());
            w.WriteNumber("status", (int)status);
            w.WriteNumber("value", value);
        };
    }

    private void ExecuteConfigureConnector(ConfigureConnectorStep step, StepOutcome outcome)
    {
        var workArea = new byte[DrcRtas.WorkAreaSize];
        var status = ConfigureOnce(step.Index, workArea, out string? what);
        outcome.Ok = status >= 0;
        outcome.Summary = Format.Status(status) + (what is null ? string.Empty : ": " + what);
        outcome.Json = w =>
        {
            w.WriteString("index", new DrcIndex(step.Index).ToString());
            w.WriteNumber("status", (int)status);
        };
    }

    /// <summary>One configure-connector call, and what it handed out (a node or a property name).</summary>
    private ConfigureConnectorStatus ConfigureOnce(uint index, byte[] workArea, out string? what)
    {
        Array.Clear(workArea);
        BinaryPrimitives.WriteUInt32BigEndian(workArea, index);
        var status = Machine.Registry.Rtas.ConfigureConnector(workArea);
        what = status switch
        {
            ConfigureConnectorStatus.NextChild => "node " + ReadName(workArea),
            ConfigureConnectorStatus.NextProperty => string.Create(CultureInfo.InvariantCulture, $"property {ReadName(workArea)} ({BinaryPrimitives.ReadUInt32BigEndian(workArea.AsSpan(12))} bytes)"),
            _ => null,
        };
        return status;
    }

    private static string ReadName(byte[] workArea)
    {
        int offset = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(workArea.AsSpan(8)), (uint)workArea.Length);
        int end = Array.IndexOf(workArea, (byte)0, offset);
        return Encoding.UTF8.GetString(workArea, offset, (end < 0 ? workArea.Length : end) - offset);
    }

    private void ExecuteGuest(GuestStep step, StepOutcome outcome)
    {
        var drc = Connector(step.Line, step.Type, step.Id);
        var calls = new List<(string Call, DrcIndex Index, int Status)>();
        var targets = step.Action == GuestAction.Reject ? [drc] : DeviceConnectors(drc);
        RtasStatus last = RtasStatus.Success;
        string? stopped = null;
        foreach (var target in targets)
        {
            stopped = step.Action switch
            {
                GuestAction.Add => GuestAcquire(target, outcome, calls),
                GuestAction.Remove => GuestRelease(target, outcome, calls),
                _ => GuestCall("set-indicator isolation unisolate", RtasIndicator.Isolation, 1, target, outcome, calls),
            };
            if (stopped is not null)
            {
                break;
            }
        }

        if (calls.Count > 0)
        {
            last = (RtasStatus)calls[^1].Status;
        }

        string what = targets.Count == 1 ? Format.Connector(drc) : string.Create(CultureInfo.InvariantCulture, $"{targets.Count} connectors from {Format.Connector(targets[0])}");
        outcome.Ok = stopped is null;
        outcome.Summary = stopped ?? step.Action switch
        {
            GuestAction.Add => "acquired " + what,
            GuestAction.Remove => "released " + what,
            _ => "unisolated " + what + " while its unplug is pending",
        };
        outcome.Json = w =>
        {
            w.WriteString("index", drc.Index.ToString());
            w.WriteNumber("status", (int)last);
            w.WriteStartArray("calls");
            foreach (var (call, index, status) in calls)
            {
                w.WriteStartObject();
                w.WriteString("call", call);
                w.WriteString("index", index.ToString());
                w.WriteNumber("status", status);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        };
    }

    /// <summary>The connectors the guest handles for one device: every LMB of a memory device, else just this one.</summary>
    private static List<SpaprDrc> DeviceConnectors(SpaprDrc drc)
    {
        if (drc.Type != DrcType.Lmb || drc.Device is not SimDevice device)
        {
            return [drc];
        }

        var list = new List<SpaprDrc>();
        for (uint i = 0; i < device.Count; i++)
        {
            if (drc.Registry.TryGet(new DrcIndex(device.First.Value + i), out var member) && ReferenceEquals(member.Device, device))
            {
                list.Add(member);
            }
        }

        return list;
    }

    /// <summary>Linux's acquire sequence (SPEC sections 3 and 4): sense, usable (logical), unisolate, configure until done.</summary>
    private string? GuestAcquire(SpaprDrc drc, StepOutcome outcome, List<(string, DrcIndex, int)> calls)
    {
        var rtas = Machine.Registry.Rtas;
        var sense = rtas.GetSensorState((uint)RtasSensor.EntitySense, drc.Index.Value, out uint value);
        calls.Add(("get-sensor-state", drc.Index, (int)sense));
        outcome.Details.Add(string.Create(CultureInfo.InvariantCulture, $"get-sensor-state entity-sense {Format.Connector(drc)} -> {Format.Status(sense)}, value {value} ({(EntitySense)value})"));
        var wanted = drc.Class == DrcClass.Logical ? EntitySense.Unusable : EntitySense.Present;
        if (sense != RtasStatus.Success || value != (uint)wanted)
        {
            return $"guest gave up: {Format.Connector(drc)} entity sense is not {wanted}";
        }

        if (drc.Class == DrcClass.Logical && GuestCall("set-indicator allocation usable", RtasIndicator.Allocation, 1, drc, outcome, calls) is { } failed)
        {
            return failed;
        }

        if (GuestCall("set-indicator isolation unisolate", RtasIndicator.Isolation, 1, drc, outcome, calls) is { } notUnisolated)
        {
            if (drc.Class == DrcClass.Logical)
            {
                // Linux hands the connector back when it cannot unisolate it.
                _ = GuestCall("set-indicator allocation unusable", RtasIndicator.Allocation, 0, drc, outcome, calls);
            }

            return notUnisolated;
        }

        var workArea = new byte[DrcRtas.WorkAreaSize];
        var nodes = new List<string>();
        int properties = 0;
        int count = 0;
        ConfigureConnectorStatus status;
        do
        {
            status = ConfigureOnce(drc.Index.Value, workArea, out var what);
            count++;
            if (status == ConfigureConnectorStatus.NextChild && what is not null)
            {
                nodes.Add(what["node ".Length..]);
            }
            else if (status == ConfigureConnectorStatus.NextProperty)
            {
                properties++;
            }
        }
        while (status > 0 && count < 100_000);

        calls.Add(("configure-connector", drc.Index, (int)status));
        outcome.Details.Add(string.Create(CultureInfo.InvariantCulture, $"configure-connector {Format.Connector(drc)} x{count} -> {Format.Status(status)}: nodes {string.Join(", ", nodes)}; {properties} properties"));
        Observe(outcome);
        return status == ConfigureConnectorStatus.Success ? null : $"guest gave up: configure-connector returned {Format.Status(status)}";
    }

    /// <summary>Linux's release sequence: isolate, then unusable (logical); isolate only (physical).</summary>
    private string? GuestRelease(SpaprDrc drc, StepOutcome outcome, List<(string, DrcIndex, int)> calls)
    {
        if (GuestCall("set-indicator isolation isolate", RtasIndicator.Isolation, 0, drc, outcome, calls) is { } failed)
        {
            return failed;
        }

        return drc.Class == DrcClass.Logical
            ? GuestCall("set-indicator allocation unusable", RtasIndicator.Allocation, 0, drc, outcome, calls)
            : null;
    }

    private string? GuestCall(string label, RtasIndicator indicator, uint value, SpaprDrc drc, StepOutcome outcome, List<(string, DrcIndex, int)> calls)
    {
        var status = Machine.Registry.Rtas.SetIndicator((uint)indicator, drc.Index.Value, value);
        calls.Add(("set-indicator", drc.Index, (int)status));
        outcome.Details.Add($"{label} {Format.Connector(drc)} -> {Format.Status(status)}");
        Observe(outcome);
        return status == RtasStatus.Success ? null : $"guest stopped: {label} {Format.Connector(drc)} returned {Format.Status(status)}";
    }

    private void ExecuteCheckException(CheckExceptionStep step, StepOutcome outcome)
    {
        var log = new byte[DrcRtas.EventLogSize];
        var status = Machine.Registry.Rtas.CheckException(step.Mask, log, out var e);
        outcome.Ok = status >= 0;
        outcome.Summary = Format.Status(status) + (e is null ? string.Empty : ": " + Format.Event(e));
        outcome.Json = w =>
        {
            w.WriteNumber("status", (int)status);
            if (e is not null)
            {
                w.WriteStartObject("event");
                w.WriteString("type", Format.HotplugType(e.Type));
                w.WriteString("action", Format.Action(e.Action));
                w.WriteString("identifier", Format.Identifier(e.Identifier));
                w.WriteString("index", e.Index.ToString());
                w.WriteNumber("count", e.Count);
                w.WriteEndObject();
            }
        };
    }

    private void ExecuteAdvance(AdvanceStep step, StepOutcome outcome)
    {
        var clock = Machine.Clock;
        var remaining = step.Duration;
        while (remaining > TimeSpan.Zero)
        {
            // Step to each unplug deadline on the way, so notifications carry the time they fired at.
            var next = remaining;
            if (!clock.Paused)
            {
                foreach (var pending in Machine.Registry.GetPendingUnplugs())
                {
                    if (pending.Deadline is { } deadline)
                    {
                        var until = clock.GuestUntil(deadline);
                        if (until > TimeSpan.Zero && until < next)
                        {
                            next = until;
                        }
                    }
                }
            }

            clock.Advance(next);
            remaining -= next;
            Observe(outcome);
        }

        long nowMs = clock.ElapsedMs;
        outcome.Json = w => w.WriteNumber("now_ms", nowMs);
        outcome.Summary = "now " + Format.Time(clock.ElapsedMs) + (clock.Paused ? " (guest paused: its clock and the unplug timeouts stood still)" : string.Empty);
    }

    private void ExecuteShow(ShowStep step, StepOutcome outcome)
    {
        var connectors = step.Type is { } type ? [Connector(step.Line, type, step.Id)] : Machine.Registry.Connectors;
        var rows = connectors.Select(drc => (
            drc.Index,
            drc.Name,
            drc.State,
            Device: (drc.Device as SimDevice)?.Name ?? drc.Device?.ToString(),
            drc.IsUnplugPending,
            RemainingMs: drc.UnplugDeadline is not null && drc.UnplugTimeRemaining is { } left ? (long?)left.TotalMilliseconds : null)).ToList();
        outcome.Summary = string.Create(CultureInfo.InvariantCulture, $"{rows.Count} connector{(rows.Count == 1 ? string.Empty : "s")}");
        foreach (var row in rows)
        {
            var pending = row.IsUnplugPending
                ? ", unplug pending" + (row.RemainingMs is { } ms ? $" ({Format.Time(ms)} left)" : " (no timeout running)")
                : string.Empty;
            outcome.Details.Add($"{Format.Connector(row.Name, row.Index)}  state {Format.State(row.State)}, device {row.Device ?? "none"}{pending}");
        }

        outcome.Json = w =>
        {
            w.WriteStartArray("connectors");
            foreach (var row in rows)
            {
                w.WriteStartObject();
                w.WriteString("index", row.Index.ToString());
                w.WriteString("name", row.Name);
                w.WriteNumber("state", (int)row.State);
                if (row.Device is null)
                {
                    w.WriteNull("device");
                }
                else
                {
                    w.WriteString("device", row.Device);
                }

                w.WriteBoolean("unplug_requested", row.IsUnplugPending);
                if (row.RemainingMs is { } ms)
                {
                    w.WriteNumber("remaining_ms", ms);
                }
                else
                {
                    w.WriteNull("remaining_ms");
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        };
    }

    private void ExecutePlain(PlainStep step, StepOutcome outcome)
    {
        var machine = Machine;
        switch (step.Verb)
        {
            case "pause":
                machine.Clock.Pause();
                outcome.Summary = "guest paused: its clock, and the unplug timeouts on it, stand still";
                break;
            case "resume":
                machine.Clock.Resume();
                outcome.Summary = "guest running";
                break;
            case "reset":
                machine.Registry.Reset();
                outcome.Summary = "machine reset: pending unplugs complete, connectors to ready/empty, event queue emptied";
                break;
            case "negotiate":
                machine.Registry.NegotiateClientArchitecture(hotplugEvents: true);
                outcome.Summary = "client-architecture-support: hot-plug event class and indexed memory events from now on";
                break;
            case "save":
                _snapshot = machine.Registry.SaveSnapshot();
                int size = _snapshot.Length;
                outcome.Summary = string.Create(CultureInfo.InvariantCulture, $"snapshot saved: {size} bytes");
                outcome.Json = w => w.WriteNumber("bytes", size);
                break;
            default:
                LoadIntoFreshRegistry(step, outcome);
                break;
        }
    }

    /// <summary>
    /// Migration as an emulator does it: a fresh registry on the same clock with the same connectors and the same
    /// devices cold-plugged, then the last saved snapshot loaded into it. A refused stream leaves the old registry.
    /// </summary>
    private void LoadIntoFreshRegistry(ScenarioStep step, StepOutcome outcome)
    {
        var machine = Machine;
        var snapshot = _snapshot ?? throw new ScenarioException(step.Line, "load needs a save before it");
        var old = machine.Registry;
        var fresh = new DrcRegistry(machine.Options, machine.Clock.Guest);
        try
        {
            foreach (var drc in old.Connectors)
            {
                fresh.CreateConnector(drc.Type, drc.Id, drc.Owner);
            }

            var attached = new HashSet<object>(ReferenceEqualityComparer.Instance);
            foreach (var drc in old.Connectors)
            {
                if (drc.Device is not { } device || !attached.Add(device))
                {
                    continue;
                }

                if (drc.Type == DrcType.Lmb)
                {
                    int count = old.Connectors.Count(c => ReferenceEquals(c.Device, device));
                    fresh.AttachMemoryDevice(drc.Index, count, device, DeviceFragments.For, PlugMode.Cold);
                }
                else
                {
                    fresh.Attach(drc.Index, device, drc.Fragment, PlugMode.Cold);
                }
            }

            fresh.LoadSnapshot(snapshot);
        }
        catch (DrcSnapshotException e)
        {
            fresh.Dispose();
            outcome.Ok = false;
            outcome.Summary = "refused: " + e.Message;
            outcome.Json = w => w.WriteString("error", e.Message);
            return;
        }

        Subscribe(machine, fresh);
        machine.Registry = fresh;
        old.Dispose();
        int bytes = snapshot.Length;
        outcome.Summary = string.Create(CultureInfo.InvariantCulture, $"snapshot loaded into a fresh registry ({bytes} bytes, {fresh.Count} connectors, {fresh.GetPendingUnplugs().Count} unplugs pending)");
        outcome.Json = w => w.WriteNumber("bytes", bytes);
    }

    private SpaprDrc Connector(int line, DrcType type, uint id) =>
        Machine.Registry.TryGet(type, id, out var drc)
            ? drc
            : throw new ScenarioException(line, $"no connector {type.ToString().ToLowerInvariant()} {id} ({DrcIndex.From(type, id)}) on this machine: create it first with 'connector {type.ToString().ToLowerInvariant()} {id}'");

    private DrcIndex Target(int line, DeviceTarget target)
    {
        if (target.Type is { } type)
        {
            return Connector(line, type, target.Id).Index;
        }

        return Machine.Devices.TryGetValue(target.Name!, out var device)
            ? device.First
            : throw new ScenarioException(line, $"no device named '{target.Name}' (name devices with 'plug <type> <id> as <name>')");
    }

    /// <summary>Records every connector state change since the last look, in the outcome and the recording.</summary>
    private void Observe(StepOutcome outcome)
    {
        var machine = Machine;
        long now = machine.Clock.ElapsedMs;
        var seen = new HashSet<uint>();
        foreach (var drc in machine.Registry.Connectors)
        {
            seen.Add(drc.Index.Value);
            if (!_states.TryGetValue(drc.Index.Value, out var old))
            {
                _states[drc.Index.Value] = drc.State;
                _createdAt[drc.Index.Value] = now;
                continue;
            }

            if (old != drc.State)
            {
                var change = new StateChange(drc.Index, drc.Name, old, drc.State);
                outcome.Changes.Add(change);
                outcome.Details.Add(change.ToString());
                var lane = _recording.Lane(machine.Number, drc.Index, drc.Name, _createdAt[drc.Index.Value], old);
                lane.Changes.Add((now, old, drc.State));
                _states[drc.Index.Value] = drc.State;
            }
        }

        foreach (var gone in _states.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            var index = new DrcIndex(gone);
            outcome.Details.Add($"{Format.Connector(DrcKind.NameOf(index), index)}: removed from the machine with its owner");
            foreach (var lane in _recording.Lanes.Where(l => l.Machine == machine.Number && l.Index == index))
            {
                lane.RemovedMs = now;
            }

            _states.Remove(gone);
        }

        ScanWindows(now);
    }

    /// <summary>Opens and closes the recorded unplug timeout windows from the registry's pending unplugs.</summary>
    private void ScanWindows(long now)
    {
        var machine = Machine;
        var live = new HashSet<long>();
        foreach (var pending in machine.Registry.GetPendingUnplugs())
        {
            if (pending.Deadline is not { } deadline)
            {
                continue;
            }

            long plannedEnd = now + (long)Math.Round(machine.Clock.GuestUntil(deadline).TotalMilliseconds);
            if (_openWindows.TryGetValue(pending.RequestId, out var open))
            {
                if (machine.Clock.Paused || open.PlannedEndMs == plannedEnd)
                {
                    live.Add(pending.RequestId);
                    continue;
                }

                // Re-armed (a retry after a timeout): the old window ends here.
                open.EndMs = now;
                _openWindows.Remove(pending.RequestId);
            }

            var window = new TimeoutWindowRecord(machine.Number, pending.RequestId, pending.Index, now, plannedEnd);
            _recording.Windows.Add(window);
            _openWindows[pending.RequestId] = window;
            live.Add(pending.RequestId);
        }

        foreach (var id in _openWindows.Keys.Where(k => !live.Contains(k)).ToList())
        {
            _openWindows[id].EndMs ??= now;
            _openWindows.Remove(id);
        }
    }

    private void OnUnplug(SimMachine machine, string kind, UnplugEventArgs e)
    {
        long now = machine.Clock.ElapsedMs;
        string text = e.Outcome switch
        {
            UnplugOutcome.Completed when _current is UnplugStep => $"{e.Device} released at once: the guest never took it",
            UnplugOutcome.Completed => $"{e.Device} released by the guest",
            UnplugOutcome.CompletedByReset => $"{e.Device} released by the reset",
            UnplugOutcome.RejectedByGuest => $"the guest refused to release {e.Device}; the request is rolled back",
            UnplugOutcome.Cancelled => $"the host cancelled the unplug of {e.Device}",
            _ when !e.IsTerminal => $"{e.Device} not released in time; still pending (keep-pending): a late release completes it, a new request retries",
            _ => $"{e.Device} not released in time; request cleared (clear-request): a late release will not complete it",
        };
        if (kind == "unplug-timed-out" && _openWindows.TryGetValue(e.RequestId, out var window))
        {
            window.EndMs = now;
            window.Expired = true;
            _openWindows.Remove(e.RequestId);
        }

        string outcome = e.Outcome switch
        {
            UnplugOutcome.Completed => "completed",
            UnplugOutcome.CompletedByReset => "completed-by-reset",
            UnplugOutcome.RejectedByGuest => "rejected-by-guest",
            UnplugOutcome.Cancelled => "cancelled",
            _ => "timed-out",
        };
        _recording.Notifications.Add(new NotificationRecord(now, machine.Number, kind, e.Index, e.Name));
        if (_states.TryGetValue(e.Index.Value, out var state))
        {
            // A connector with an unplug story gets a lane even when its state never changed (a cancel, a rejection).
            _ = _recording.Lane(machine.Number, e.Index, e.Name, _createdAt.GetValueOrDefault(e.Index.Value), state);
        }

        _pending.Add(new NotificationInfo(now, kind, e.Index, e.Name, text, w =>
        {
            w.WriteString("outcome", outcome);
            w.WriteBoolean("terminal", e.IsTerminal);
            w.WriteString("device", e.Device.ToString());
        }));
    }

    private void OnHotplugEvent(SimMachine machine, HotplugEvent e)
    {
        long now = machine.Clock.ElapsedMs;
        var index = e.Index ?? default;
        string name = e.Index is null ? "memory" : DrcKind.NameOf(index);
        _recording.Notifications.Add(new NotificationRecord(now, machine.Number, "hotplug-event-queued", index, name));
        _pending.Add(new NotificationInfo(now, "hotplug-event-queued", index, name, Format.Event(e), w =>
        {
            w.WriteString("type", Format.HotplugType(e.Type));
            w.WriteString("action", Format.Action(e.Action));
            w.WriteString("identifier", Format.Identifier(e.Identifier));
            w.WriteNumber("count", e.Count);
        }));
    }
}
