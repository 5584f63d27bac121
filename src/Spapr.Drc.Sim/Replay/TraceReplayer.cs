using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Replay;

/// <summary>
/// Replays a real-guest trace against the library (SPEC section 9, <c>drcsim replay</c>): the host lines as attach
/// and unplug requests, the guest's lines as the same RTAS calls in the same order, each compared with what QEMU
/// answered: every return cell, every dequeued event, and QEMU's QMP events against the library's notifications
/// (DEVICE_DELETED against unplug-completed, DEVICE_UNPLUG_GUEST_ERROR against unplug-rejected-by-guest). The trace
/// writes each QMP event right after the line that caused it, so a notification must be matched by the QMP lines
/// that follow its line; one left over is a difference of the line that raised it.
/// </summary>
internal static class TraceReplayer
{
    /// <summary>Why a second DEVICE_UNPLUG_GUEST_ERROR for one memory device is no difference.</summary>
    public const string OneRejectionPerDevice =
        "QEMU 7.2 sends DEVICE_UNPLUG_GUEST_ERROR twice when the guest refuses a memory device's unplug by unisolating an LMB; " +
        "the library raises unplug-rejected-by-guest once per device (SPEC section 3, Beyond QEMU)";

    // The guest's buffers: a configure-connector work area, and a check-exception buffer larger than any log
    // (the library writes at most as many bytes as the call's length cell allows).
    private const int EventBufferSize = 4096;

    /// <summary>Replays <paramref name="trace"/>; <paramref name="timeouts"/> gives the library its default unplug timeouts.</summary>
    public static ReplayReport Replay(Trace trace, bool timeouts)
    {
        using var machine = TracedMachine.Build(trace, timeouts);
        var verdicts = new List<LineVerdict>();
        var unmatched = new List<(RaisedNotification Notification, LineVerdict Cause)>();

        // A memory device rejected in this group of QMP lines: QEMU may name it once more.
        var secondRejectionAllowed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in trace.Lines)
        {
            LineVerdict verdict;
            if (line is QmpLine qmp)
            {
                verdict = CompareQmp(machine, qmp, unmatched, secondRejectionAllowed);
            }
            else
            {
                ReportUnanswered(unmatched);
                secondRejectionAllowed.Clear();
                verdict = Apply(machine, line);
                unmatched.AddRange(machine.TakeRaised().Select(n => (n, verdict)));
            }

            verdicts.Add(verdict);
        }

        ReportUnanswered(unmatched);
        if (timeouts)
        {
            machine.RunPastEveryDeadline();
            var late = machine.TakeRaised();
            if (late.Count > 0)
            {
                var end = new LineVerdict(0, "end", "after the last line, the guest clock run past every unplug deadline (--timeouts)");
                end.Differences.AddRange(late.Select(Unanswered));
                verdicts.Add(end);
            }
        }

        return new ReplayReport(trace.Name, verdicts);
    }

    private static LineVerdict Apply(TracedMachine machine, TraceLine line) => line switch
    {
        DeviceAddLine add => DeviceAdd(machine, add),
        DeviceDelLine del => DeviceDel(machine, del),
        CheckExceptionLine check => CheckException(machine.Registry.Rtas, check),
        GetSensorStateLine sense => CompareRets(sense, Describe(sense), (args, rets) => machine.Registry.Rtas.GetSensorState(args, rets)),
        SetIndicatorLine set => CompareRets(set, Describe(set), (args, rets) => machine.Registry.Rtas.SetIndicator(args, rets)),
        ConfigureConnectorLine configure => ConfigureConnector(machine.Registry.Rtas, configure),
        _ => throw new InvalidOperationException($"Line {line.Line}: nothing replays a {line.GetType().Name}."),
    };

    private static LineVerdict DeviceAdd(TracedMachine machine, DeviceAddLine add)
    {
        string what = add.Count == 1
            ? $"device_add {add.Id}: {Format.Connector(add.First)}"
            : string.Create(CultureInfo.InvariantCulture, $"device_add {add.Id}: {add.Count} LMBs from {Format.Connector(add.First)}");
        var verdict = new LineVerdict(add.Line, "host", what);
        bool attached = machine.TryAttach(add, out string? error);
        if (!attached)
        {
            verdict.Differences.Add("QEMU attached it; the library refused: " + error);
        }

        verdict.Qemu = w => w.WriteBoolean("attached", true);
        verdict.Library = w =>
        {
            w.WriteBoolean("attached", attached);
            if (error is not null)
            {
                w.WriteString("error", error);
            }
        };
        return verdict;
    }

    private static LineVerdict DeviceDel(TracedMachine machine, DeviceDelLine del)
    {
        var verdict = new LineVerdict(del.Line, "host", "device_del " + del.Id);
        var result = machine.RequestUnplug(del.Id);
        bool accepted = result?.Accepted ?? false;
        string answer = result is { } r ? Format.UnplugResult(r.Status) : "no-device";
        string message = result?.Message ?? $"no device '{del.Id}' was plugged in this trace";
        if (del.Error is null && !accepted)
        {
            verdict.Differences.Add($"QEMU accepted it; the library answered {answer}: {message}");
        }
        else if (del.Error is not null && accepted)
        {
            verdict.Differences.Add($"QEMU refused it ({del.Error}); the library answered {answer}: {message}");
        }

        verdict.Qemu = w =>
        {
            if (del.Error is null)
            {
                w.WriteNull("error");
            }
            else
            {
                w.WriteString("error", del.Error);
            }
        };
        verdict.Library = w =>
        {
            w.WriteString("result", answer);
            w.WriteString("message", message);
        };
        return verdict;
    }

    private static LineVerdict CheckException(DrcRtas rtas, CheckExceptionLine check)
    {
        var buffer = new byte[EventBufferSize];
        TracedEvent? dequeued = null;
        var verdict = CompareRets(check, Describe(check), (args, rets) =>
        {
            rtas.CheckException(args, rets, buffer);
            if (rets.Length > 0 && rets[0] == (uint)RtasStatus.Success && HotplugEventLog.TryParse(buffer, out var log))
            {
                dequeued = AsTraced(log);
            }
        });
        if (dequeued != check.Event)
        {
            verdict.Differences.Add($"QEMU's event {EventText(check.Event)}, the library's {EventText(dequeued)}");
        }

        var qemu = verdict.Qemu;
        var library = verdict.Library;
        verdict.Qemu = w =>
        {
            qemu?.Invoke(w);
            WriteEvent(w, check.Event);
        };
        verdict.Library = w =>
        {
            library?.Invoke(w);
            WriteEvent(w, dequeued);
        };
        return verdict;
    }

    private static LineVerdict ConfigureConnector(DrcRtas rtas, ConfigureConnectorLine configure)
    {
        var workArea = new byte[DrcRtas.WorkAreaSize];
        return CompareRets(configure, "ibm,configure-connector " + ConnectorText(configure.Index), (_, rets) =>
        {
            BinaryPrimitives.WriteUInt32BigEndian(workArea, configure.Index);
            rets[0] = unchecked((uint)rtas.ConfigureConnector(workArea));
        });
    }

    /// <summary>Makes the call with the trace's input cells and as many return cells as QEMU gave, and compares them all.</summary>
    private static LineVerdict CompareRets(RtasLine line, string what, Action<uint[], uint[]> call)
    {
        var cells = new uint[line.Rets.Length];
        call(line.Args, cells);
        int[] ours = [.. cells.Select(c => unchecked((int)c))];
        var verdict = new LineVerdict(line.Line, "rtas", what);
        if (!ours.SequenceEqual(line.Rets))
        {
            verdict.Differences.Add($"QEMU returned {CellsText(line.Rets)}, the library {CellsText(ours)}");
        }

        verdict.Qemu = w => WriteCells(w, "rets", line.Rets);
        verdict.Library = w => WriteCells(w, "rets", ours);
        return verdict;
    }

    private static LineVerdict CompareQmp(TracedMachine machine, QmpLine qmp, List<(RaisedNotification Notification, LineVerdict Cause)> unmatched, HashSet<string> secondRejectionAllowed)
    {
        string name = TraceReader.QmpName(qmp.Event);
        var verdict = new LineVerdict(qmp.Line, "qmp", $"{name} {qmp.Id}");
        int at = unmatched.FindIndex(u => u.Notification.Counterpart == qmp.Event && u.Notification.DeviceId == qmp.Id);
        string? matched = at >= 0 ? unmatched[at].Notification.Notification : null;
        if (at >= 0)
        {
            unmatched.RemoveAt(at);
            if (qmp.Event == QmpEvent.DeviceUnplugGuestError && machine.SpansConnectors(qmp.Id))
            {
                secondRejectionAllowed.Add(qmp.Id);
            }
        }
        else if (qmp.Event == QmpEvent.DeviceUnplugGuestError && secondRejectionAllowed.Remove(qmp.Id))
        {
            verdict.ByDesign = OneRejectionPerDevice;
        }
        else
        {
            verdict.Differences.Add($"QEMU sent it; the library raised no {NotificationFor(qmp.Event)} for {qmp.Id} at this point");
        }

        verdict.Qemu = w =>
        {
            w.WriteString("event", name);
            w.WriteString("id", qmp.Id);
        };
        verdict.Library = w =>
        {
            if (matched is null)
            {
                w.WriteNull("notification");
            }
            else
            {
                w.WriteString("notification", matched);
            }
        };
        return verdict;
    }

    private static void ReportUnanswered(List<(RaisedNotification Notification, LineVerdict Cause)> unmatched)
    {
        foreach (var (notification, cause) in unmatched)
        {
            cause.Differences.Add(Unanswered(notification));
        }

        unmatched.Clear();
    }

    private static string Unanswered(RaisedNotification n) => n.Counterpart is { } qmp
        ? $"the library raised {n.Notification} for {n.DeviceId}; QEMU sent no {TraceReader.QmpName(qmp)}"
        : $"the library raised {n.Notification} for {n.DeviceId}; QEMU 7.2 has nothing like it (no unplug timeout, no cancel)";

    private static string NotificationFor(QmpEvent e) => e == QmpEvent.DeviceDeleted ? "unplug-completed" : "unplug-rejected-by-guest";

    /// <summary>The library's event in the trace's terms: no index for an event by count, no count for one by index.</summary>
    private static TracedEvent AsTraced(HotplugEventLog log) => new(
        (int)log.Type,
        (int)log.Action,
        (int)log.Identifier,
        log.Index?.Value,
        log.Identifier == HotplugIdentifier.DrcIndex ? null : log.Count);

    private static string Describe(CheckExceptionLine check) =>
        check.Args.Length > 2 ? "check-exception mask " + Format.Index(check.Args[2]) : "check-exception " + CellsText(check.Args);

    private static string Describe(GetSensorStateLine sense) => sense.Args.Length == 2
        ? $"get-sensor-state {(sense.Args[0] == (uint)RtasSensor.EntitySense ? Format.EntitySenseWord : sense.Args[0].ToString(CultureInfo.InvariantCulture))} {ConnectorText(sense.Args[1])}"
        : "get-sensor-state " + CellsText(sense.Args);

    private static string Describe(SetIndicatorLine set) => set.Args.Length == 3
        ? $"{Format.SetIndicatorCall((RtasIndicator)set.Args[0], set.Args[2])} {ConnectorText(set.Args[1])}"
        : "set-indicator " + CellsText(set.Args);

    /// <summary>"LMB 8 (0x80000008)"; the bare index for one that names no connector type.</summary>
    private static string ConnectorText(uint index) =>
        DrcIndex.TryFromValue(index, out var named) ? Format.Connector(named) : Format.Index(index);

    private static string CellsText(IEnumerable<int> cells) => "[" + string.Join(", ", cells.Select(c => c.ToString(CultureInfo.InvariantCulture))) + "]";

    private static string CellsText(IEnumerable<uint> cells) => "[" + string.Join(", ", cells.Select(c => c.ToString(CultureInfo.InvariantCulture))) + "]";

    private static string EventText(TracedEvent? e) => e is { } v
        ? string.Create(CultureInfo.InvariantCulture, $"{{type {v.Type}, action {v.Action}, identifier {v.Identifier}, index {(v.Index is { } i ? Format.Index(i) : "none")}, count {(v.Count is { } c ? c.ToString(CultureInfo.InvariantCulture) : "none")}}}")
        : "none";

    private static void WriteCells(Utf8JsonWriter w, string name, int[] cells)
    {
        w.WriteStartArray(name);
        foreach (int cell in cells)
        {
            w.WriteNumberValue(cell);
        }

        w.WriteEndArray();
    }

    /// <summary>The event object of SPEC section 9, numbers as the trace has them; index null for an event by count.</summary>
    private static void WriteEvent(Utf8JsonWriter w, TracedEvent? e)
    {
        if (e is not { } v)
        {
            return;
        }

        w.WriteStartObject("event");
        w.WriteNumber("type", v.Type);
        w.WriteNumber("action", v.Action);
        w.WriteNumber("identifier", v.Identifier);
        Format.WriteIndexOrNull(w, "index", v.Index is { } index ? new DrcIndex(index) : null);
        if (v.Count is { } count)
        {
            w.WriteNumber("count", count);
        }
        else
        {
            w.WriteNull("count");
        }

        w.WriteEndObject();
    }
}
