using System.Globalization;
using System.Text.Json.Nodes;

namespace Spapr.Drc.RealGuest.Format;

/// <summary>
/// What each scenario's trace must show, checked the same way on the committed traces and on a fresh recording.
/// Each method returns the facts that do not hold (empty when the trace is right).
/// </summary>
public static class ScenarioFacts
{
    public static IReadOnlyList<string> CpuAddRemove(TraceDocument trace)
    {
        var q = new TraceQuery(trace);
        var failures = new List<string>();
        if (!SingleDevice(q, "cpu", failures, out string id, out int add, out uint drc, out _))
        {
            return failures;
        }

        var dels = q.HostLines(TraceFormat.DeviceDel, id);
        Expect(failures, dels.Count == 1, $"one device_del of {id}, found {dels.Count}");
        if (dels.Count != 1)
        {
            return failures;
        }

        int del = dels[0];
        ExpectNoError(q, del, failures);
        ExpectCalls(failures, q.DrcCalls(drc, add, del), LinuxSequences.Acquire, "CPU add");
        ExpectCalls(failures, q.DrcCalls(drc, del), LinuxSequences.Release, "CPU remove");
        ExpectEvent(failures, q.HotplugEvents(add, del), $"1/1/2 {TraceFormat.FormatIndex(drc)} -", "CPU add");
        ExpectEvent(failures, q.HotplugEvents(del), $"1/2/2 {TraceFormat.FormatIndex(drc)} -", "CPU remove");
        ExpectDeletedAfterLastCall(q, id, drc, del, failures);
        Expect(failures, q.QmpLines(TraceFormat.DeviceUnplugGuestError, id).Count == 0, "no DEVICE_UNPLUG_GUEST_ERROR");
        return failures;
    }

    public static IReadOnlyList<string> DimmAddRemove(TraceDocument trace)
    {
        var q = new TraceQuery(trace);
        var failures = new List<string>();
        if (!SingleDevice(q, "lmb", failures, out string id, out int add, out uint drc, out int count))
        {
            return failures;
        }

        Expect(failures, count >= 2, $"a DIMM of at least 2 LMBs, got {count}");
        var dels = q.HostLines(TraceFormat.DeviceDel, id);
        Expect(failures, dels.Count == 1, $"one device_del of {id}, found {dels.Count}");
        if (dels.Count != 1)
        {
            return failures;
        }

        int del = dels[0];
        ExpectNoError(q, del, failures);
        for (uint lmb = drc; lmb < drc + count; lmb++)
        {
            ExpectCalls(failures, q.DrcCalls(lmb, add, del), LinuxSequences.Acquire, $"LMB {TraceFormat.FormatIndex(lmb)} add");
            ExpectCalls(failures, q.DrcCalls(lmb, del), LinuxSequences.Release, $"LMB {TraceFormat.FormatIndex(lmb)} remove");
        }

        string payload = string.Create(CultureInfo.InvariantCulture, $"{TraceFormat.FormatIndex(drc)} {count}");
        ExpectEvent(failures, q.HotplugEvents(add, del), "2/1/4 " + payload, "memory add (count-indexed)");
        ExpectEvent(failures, q.HotplugEvents(del), "2/2/4 " + payload, "memory remove (count-indexed)");
        ExpectDeletedAfterLastCall(q, id, drc + (uint)count - 1, del, failures);
        return failures;
    }

    public static IReadOnlyList<string> CpuUnplugRefusedThenRetried(TraceDocument trace)
    {
        var q = new TraceQuery(trace);
        var failures = new List<string>();
        if (!SingleDevice(q, "cpu", failures, out string id, out int add, out uint drc, out _))
        {
            return failures;
        }

        var dels = q.HostLines(TraceFormat.DeviceDel, id);
        Expect(failures, dels.Count == 2, $"two device_del of {id} (refused, then retried), found {dels.Count}");
        if (dels.Count != 2)
        {
            return failures;
        }

        ExpectCalls(failures, q.DrcCalls(drc, add, dels[0]), LinuxSequences.Acquire, "CPU add");
        ExpectCalls(failures, q.DrcCalls(drc, dels[0], dels[1]), LinuxSequences.Refusal, "refused CPU remove");
        Expect(failures, q.QmpLines(TraceFormat.DeviceUnplugGuestError, id, dels[0], dels[1]).Count >= 1, "a DEVICE_UNPLUG_GUEST_ERROR after the first device_del");
        Expect(failures, q.QmpLines(TraceFormat.DeviceDeleted, id, 0, dels[1]).Count == 0, "no DEVICE_DELETED before the retry");
        ExpectCalls(failures, q.DrcCalls(drc, dels[1]), LinuxSequences.Release, "retried CPU remove");
        ExpectDeletedAfterLastCall(q, id, drc, dels[1], failures);
        return failures;
    }

    public static IReadOnlyList<string> DimmRefusedPartWay(TraceDocument trace)
    {
        var q = new TraceQuery(trace);
        var failures = new List<string>();
        if (!LastDevice(q, "lmb", failures, out string id, out int add, out uint drc, out int count))
        {
            return failures;
        }

        Expect(failures, q.Trace.Machine?["numa_nodes"]?.GetValue<int>() >= 2, "a machine with at least 2 NUMA nodes");
        var dels = q.HostLines(TraceFormat.DeviceDel, id);
        Expect(failures, dels.Count == 1, $"one device_del of {id}, found {dels.Count}");
        if (dels.Count != 1)
        {
            return failures;
        }

        int del = dels[0];
        ExpectNoError(q, del, failures);
        Expect(failures, count >= 2, $"a DIMM of at least 2 LMBs, got {count}");
        for (uint lmb = drc; lmb < drc + count; lmb++)
        {
            ExpectCalls(failures, q.DrcCalls(lmb, add, del), LinuxSequences.Acquire, $"LMB {TraceFormat.FormatIndex(lmb)} add");
        }

        if (trace.IsBestEffort)
        {
            // The guest happened to offline every LMB: the trace is kept, marked, and only has to be well formed.
            Expect(failures, q.Trace.Machine?["note"] is not null, "a best-effort trace says why in machine.note");
            return failures;
        }

        ExpectCalls(failures, q.DrcCalls(drc, del), LinuxSequences.PartWayRollback, "first LMB rolled back");
        ExpectCalls(failures, q.DrcCalls(drc + (uint)count - 1, del), [], "the LMB that failed to go offline");
        Expect(failures, q.QmpLines(TraceFormat.DeviceUnplugGuestError, id, del).Count >= 1, "DEVICE_UNPLUG_GUEST_ERROR after device_del");
        Expect(failures, q.QmpLines(TraceFormat.DeviceDeleted, id, del).Count == 0, "no DEVICE_DELETED");
        for (uint lmb = drc; lmb < drc + count; lmb++)
        {
            Expect(failures, !q.DrcCalls(lmb, del).Contains("set-indicator 9003=0 -> 0"), $"LMB {TraceFormat.FormatIndex(lmb)} never set unusable");
        }

        return failures;
    }

    public static IReadOnlyList<string> DimmRefusedFirstLmb(TraceDocument trace)
    {
        var q = new TraceQuery(trace);
        var failures = new List<string>();
        if (!LastDevice(q, "lmb", failures, out string id, out int add, out uint drc, out int count))
        {
            return failures;
        }

        var dels = q.HostLines(TraceFormat.DeviceDel, id);
        Expect(failures, dels.Count == 1, $"one device_del of {id}, found {dels.Count}");
        if (dels.Count != 1)
        {
            return failures;
        }

        int del = dels[0];
        ExpectNoError(q, del, failures);
        Expect(failures, count >= 2, $"a DIMM of at least 2 LMBs, got {count}");
        for (uint lmb = drc; lmb < drc + count; lmb++)
        {
            ExpectCalls(failures, q.DrcCalls(lmb, add, del), LinuxSequences.Acquire, $"LMB {TraceFormat.FormatIndex(lmb)} add");
        }

        var after = q.RtasLines(del).Select(i => TraceQuery.Text(q[i][TraceFormat.RtasKind])).ToList();
        Expect(failures, after.All(c => c == TraceFormat.CheckException), "no DRC call after device_del but the event fetch: " + string.Join(", ", after));
        ExpectEvent(failures, q.HotplugEvents(del), string.Create(CultureInfo.InvariantCulture, $"2/2/4 {TraceFormat.FormatIndex(drc)} {count}"), "memory remove");
        Expect(failures, q.QmpLines(TraceFormat.DeviceDeleted, id, del).Count == 0, "no DEVICE_DELETED (QEMU never completes)");
        Expect(failures, q.QmpLines(TraceFormat.DeviceUnplugGuestError, id, del).Count == 0, "no DEVICE_UNPLUG_GUEST_ERROR (the guest says nothing)");
        return failures;
    }

    public static IReadOnlyList<string> GuestLmbRemove(TraceDocument trace)
    {
        var q = new TraceQuery(trace);
        var failures = new List<string>();
        if (!SingleDevice(q, "lmb", failures, out string id, out int add, out uint drc, out _))
        {
            return failures;
        }

        var dels = q.HostLines(TraceFormat.DeviceDel, id);
        int end = dels.Count > 0 ? dels[0] : int.MaxValue;
        ExpectCalls(failures, q.DrcCalls(drc, add, end), [.. LinuxSequences.Acquire, .. LinuxSequences.GuestInitiatedRemove], "add, then the guest's own remove");
        if (dels.Count > 0)
        {
            var after = q.RtasLines(end).Select(i => TraceQuery.Text(q[i][TraceFormat.RtasKind])).ToList();
            Expect(failures, after.All(c => c == TraceFormat.CheckException), "no DRC call after the host's device_del: the guest already dropped the LMB");
            Expect(failures, q.QmpLines(TraceFormat.DeviceDeleted, id, end).Count == 0, "no DEVICE_DELETED");
        }

        return failures;
    }

    private static bool SingleDevice(TraceQuery q, string type, List<string> failures, out string id, out int add, out uint drc, out int count)
    {
        var adds = q.HostLines(TraceFormat.DeviceAdd).Where(i => TraceQuery.Text(q[i]["type"]) == type).ToList();
        Expect(failures, adds.Count == 1, $"one {type} device_add, found {adds.Count}");
        return Device(q, adds, failures, out id, out add, out drc, out count);
    }

    /// <summary>The scenario's device when the trace also holds setup devices (the two-node traces add a CPU first).</summary>
    private static bool LastDevice(TraceQuery q, string type, List<string> failures, out string id, out int add, out uint drc, out int count)
    {
        var adds = q.HostLines(TraceFormat.DeviceAdd).Where(i => TraceQuery.Text(q[i]["type"]) == type).TakeLast(1).ToList();
        Expect(failures, adds.Count == 1, $"a {type} device_add");
        return Device(q, adds, failures, out id, out add, out drc, out count);
    }

    private static bool Device(TraceQuery q, List<int> adds, List<string> failures, out string id, out int add, out uint drc, out int count)
    {
        id = string.Empty;
        add = -1;
        drc = 0;
        count = 0;
        if (adds.Count != 1)
        {
            return false;
        }

        add = adds[0];
        id = TraceQuery.Text(q[add]["id"]) ?? string.Empty;
        (drc, count) = q.DeviceAddTarget(add);
        return failures.Count == 0;
    }

    private static void ExpectNoError(TraceQuery q, int del, List<string> failures) =>
        Expect(failures, q[del]["error"] is null, $"device_del accepted, got error {q[del]["error"]?.ToJsonString()}");

    private static void ExpectDeletedAfterLastCall(TraceQuery q, string id, uint lastDrc, int from, List<string> failures)
    {
        var deleted = q.QmpLines(TraceFormat.DeviceDeleted, id, from);
        Expect(failures, deleted.Count == 1, $"one DEVICE_DELETED for {id}, found {deleted.Count}");
        string index = TraceFormat.FormatIndex(lastDrc);
        int lastCall = q.RtasLines(from).LastOrDefault(i => q[i]["args"] is JsonArray a && a.Count > 1 && TraceQuery.Text(a[1]) == index, -1);
        if (deleted.Count == 1 && lastCall >= 0)
        {
            Expect(failures, deleted[0] > lastCall, "DEVICE_DELETED comes after the guest's last call on the device");
        }
    }

    private static void ExpectCalls(List<string> failures, IReadOnlyList<string> actual, IReadOnlyList<string> expected, string what) =>
        Expect(failures, actual.SequenceEqual(expected), $"{what}: expected [{string.Join("; ", expected)}], got [{string.Join("; ", actual)}]");

    private static void ExpectEvent(List<string> failures, IReadOnlyList<string> events, string expected, string what) =>
        Expect(failures, events.Contains(expected), $"{what}: a check-exception returning {expected}, got [{string.Join("; ", events)}]");

    private static void Expect(List<string> failures, bool condition, string fact)
    {
        if (!condition)
        {
            failures.Add(fact);
        }
    }
}
