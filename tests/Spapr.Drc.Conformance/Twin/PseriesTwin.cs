using System.Globalization;
using System.Text;
using Spapr.Drc.Conformance.Qemu;
using Xunit.Sdk;

namespace Spapr.Drc.Conformance.Twin;

/// <summary>
/// A fresh QEMU and a library machine configured alike. Every step runs on both; its result and the device
/// notifications it caused must agree, else the scenario fails with the transcript so far.
/// </summary>
internal sealed class PseriesTwin : IDisposable
{
    public const uint Isolation = 9001;
    public const uint DrIndicator = 9002;
    public const uint Allocation = 9003;
    public const uint EntitySense = 9003;
    public const uint AllClasses = 0xFFFF_FFFF;

    private readonly List<string> _transcript = [];

    private PseriesTwin(ModelPseries model, QemuPseries qemu)
    {
        Model = model;
        Qemu = qemu;
    }

    public ModelPseries Model { get; }

    public QemuPseries Qemu { get; }

    public int Steps { get; private set; }

    /// <summary>Every device notification so far (the library's, which QEMU's matched).</summary>
    public List<DeviceEvent> History { get; } = [];

    public static PseriesTwin Start(params ColdDevice[] cold)
    {
        var model = new ModelPseries(cold);
        try
        {
            return new PseriesTwin(model, new QemuPseries(cold));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="op"/> on both machines and compares the results and the device notifications.</summary>
    public T Step<T>(string label, Func<IPseries, T> op, bool slowEvents = false)
    {
        Steps++;
        T expected = op(Model);
        T actual;
        try
        {
            actual = op(Qemu);
        }
        catch (QemuException ex)
        {
            throw QemuFailed(label, ex);
        }

        _transcript.Add($"{Steps,4} {label}: {Show(expected)}");
        if (!Same(expected, actual))
        {
            throw Fail(label, $"library {Show(expected)} but QEMU {Show(actual)}");
        }

        CompareEvents(label, slowEvents ? TimeSpan.FromMilliseconds(150) : TimeSpan.Zero);
        return expected;
    }

    public void Step(string label, Action<IPseries> op, bool slowEvents = false) => Step(label, s =>
    {
        op(s);
        return true;
    }, slowEvents);

    /// <summary>Hot-adds a DIMM on both; the library's copy goes where QEMU put it (placement is the emulator's choice).</summary>
    public (HostOutcome Outcome, uint FirstLmb) AddDimm(string id, int lmbs)
    {
        (HostOutcome Outcome, uint FirstLmb) placed;
        try
        {
            placed = Qemu.AddDimm(id, lmbs);
        }
        catch (QemuException ex)
        {
            throw QemuFailed($"add {id}", ex);
        }

        Model.NextDimmFirstLmb = placed.Outcome == HostOutcome.Ok ? placed.FirstLmb : null;
        var expected = Model.AddDimm(id, lmbs);
        Steps++;
        _transcript.Add($"{Steps,4} add {id} ({lmbs} LMBs): {expected}");
        if (expected != placed)
        {
            throw Fail($"add {id}", $"library {expected} but QEMU {placed}");
        }

        CompareEvents($"add {id}", TimeSpan.Zero);
        return expected;
    }

    /// <summary>Waits for late notifications (PCI removal completes after an RCU grace period) and compares them.</summary>
    public void Settle() => CompareEvents("settle", TimeSpan.FromMilliseconds(250));

    // ---- RTAS helpers (each one compared step) ----
    public int Isolate(uint index) => Step($"isolate {Hex(index)}", s => s.SetIndicator(Isolation, index, 0));

    public int Unisolate(uint index) => Step($"unisolate {Hex(index)}", s => s.SetIndicator(Isolation, index, 1));

    public int Usable(uint index) => Step($"allocate usable {Hex(index)}", s => s.SetIndicator(Allocation, index, 1));

    public int Unusable(uint index) => Step($"allocate unusable {Hex(index)}", s => s.SetIndicator(Allocation, index, 0));

    public SensorReading Sense(uint index) => Step($"entity-sense {Hex(index)}", s => s.GetSensorState(EntitySense, index));

    public ExceptionLog CheckException(uint mask = AllClasses) => Step($"check-exception 0x{mask:x8}", s => s.CheckException(mask));

    /// <summary>configure-connector until it stops returning 2/3/4, compared call by call; returns "2,3x30,0".</summary>
    public string Configure(uint index)
    {
        var codes = new List<int> { Step($"configure-connector {Hex(index)} #1", s => s.ConfigureConnectorStep(index, start: true)) };
        while (codes[^1] is 2 or 3 or 4 && codes.Count < 4096)
        {
            codes.Add(Step($"configure-connector {Hex(index)} #{codes.Count + 1}", s => s.ConfigureConnectorStep(index, start: false)));
        }

        return Compress(codes);
    }

    /// <summary>
    /// Linux's acquire, call for call as a real Linux 6.1 guest makes it (tests/Spapr.Drc.RealGuest/Traces): entity
    /// sense, then only if it reads as a hot-plugged device the guest does not own yet (2, or 1 for a PCI slot):
    /// allocate usable (logical only), unisolate, and the configure-connector walk to the end. Returns the walk
    /// ("2,3x30,0"), or why the guest gave up.
    /// </summary>
    public string Acquire(uint index) => AcquireUpToTheWalk(index) ?? Configure(index);

    /// <summary>
    /// Linux's acquire without its configure-connector walk, for scenarios that walk step by step (an interrupted
    /// walk); null when every call succeeded, else why the guest gave up (after handing back the allocation, as Linux
    /// does when the unisolate fails).
    /// </summary>
    public string? AcquireUpToTheWalk(uint index)
    {
        bool pci = IsPci(index);
        if (ExpectSense(index, pci ? 1u : 2u) is { } gaveUp)
        {
            return gaveUp;
        }

        if (!pci && Usable(index) is var usable and not 0)
        {
            return $"gave up: allocate usable returned {usable}";
        }

        if (Unisolate(index) is var unisolated and not 0)
        {
            if (!pci)
            {
                Unusable(index);
            }

            return $"gave up: unisolate returned {unisolated}";
        }

        return null;
    }

    /// <summary>
    /// Linux's release, call for call as the real guest makes it: entity sense, then only if it reads 1 (present):
    /// isolate, and allocate unusable (logical only: a PCI slot gets no allocation call). Null when every call
    /// succeeded, else why the guest stopped.
    /// </summary>
    public string? Release(uint index)
    {
        bool pci = IsPci(index);
        if (ExpectSense(index, 1) is { } gaveUp)
        {
            return gaveUp;
        }

        if (Step($"isolate {Hex(index)}", s => s.SetIndicator(Isolation, index, 0), slowEvents: pci) is var isolated and not 0)
        {
            return $"stopped: isolate returned {isolated}";
        }

        return !pci && Unusable(index) is var unusable and not 0 ? $"stopped: allocate unusable returned {unusable}" : null;
    }

    /// <summary>
    /// Linux's refusal of an unplug it cannot carry out (a CPU it cannot offline, an LMB it had taken down before a
    /// later one failed): entity sense, then only if it reads 1 (present) unisolate, the platform's hint that the
    /// removal failed. Null when both calls succeeded, else why the guest stopped.
    /// </summary>
    public string? Refuse(uint index)
    {
        if (ExpectSense(index, 1) is { } gaveUp)
        {
            return gaveUp;
        }

        return Unisolate(index) is var unisolated and not 0 ? $"stopped: unisolate returned {unisolated}" : null;
    }

    /// <summary>
    /// Linux's roll-back of a memory removal refused part-way: for each LMB it had already taken down (offlined, not
    /// released), in order, the refusal and then the configure-connector walk again, without acquiring it. Returns
    /// each LMB's walk. A refusal on the first LMB takes nothing down, so it makes no call at all.
    /// </summary>
    public List<string> RollBack(params uint[] takenDown)
    {
        var walks = new List<string>();
        foreach (uint lmb in takenDown)
        {
            walks.Add(Refuse(lmb) ?? Configure(lmb));
        }

        return walks;
    }

    /// <summary>Dequeues every event on both machines, compared one by one; returns how many.</summary>
    public List<ExceptionLog> DrainEvents()
    {
        var logs = new List<ExceptionLog>();
        for (int i = 0; i < 64; i++)
        {
            var log = CheckException();
            if (log.Status != 0)
            {
                break;
            }

            logs.Add(log);
        }

        return logs;
    }

    public HostOutcome Del(string id, bool slowEvents = false) => Step($"device_del {id}", s => s.Del(id), slowEvents);

    public void Reset() => Step("system_reset", (IPseries s) => s.Reset(), slowEvents: true);

    public string Transcript()
    {
        var sb = new StringBuilder();
        foreach (var line in _transcript.TakeLast(25))
        {
            sb.AppendLine(line);
        }

        return sb.ToString();
    }

    public void Dispose()
    {
        Qemu.Dispose();
        Model.Dispose();
    }

    public static string Hex(uint index) => string.Create(CultureInfo.InvariantCulture, $"0x{index:x8}");

    private static bool IsPci(uint index) => index >> 28 == 4;

    /// <summary>The sense read every Linux sequence starts with; null when it reads <paramref name="wanted"/>.</summary>
    private string? ExpectSense(uint index, uint wanted)
    {
        var sense = Sense(index);
        return sense.Status == 0 && sense.Value == wanted ? null : $"gave up: entity sense of {Hex(index)} is {sense}, not {wanted}";
    }

    private static string Compress(List<int> codes)
    {
        var parts = new List<string>();
        for (int i = 0; i < codes.Count;)
        {
            int j = i;
            while (j < codes.Count && codes[j] == codes[i])
            {
                j++;
            }

            parts.Add(j - i == 1 ? codes[i].ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{codes[i]}x{j - i}"));
            i = j;
        }

        return string.Join(',', parts);
    }

    private static bool Same<T>(T expected, T actual) => expected is uint[] e && actual is uint[] a ? e.SequenceEqual(a) : Equals(expected, actual);

    private static string Show<T>(T value) => value switch
    {
        uint[] cells => "[" + string.Join(", ", cells.Select(c => string.Create(CultureInfo.InvariantCulture, $"0x{c:x8}"))) + "]",
        null => "null",
        _ => value.ToString() ?? string.Empty,
    };

    private void CompareEvents(string label, TimeSpan settle)
    {
        var expected = Model.TakeDeviceEvents(0, TimeSpan.Zero);
        IReadOnlyList<DeviceEvent> raw;
        try
        {
            raw = Qemu.TakeDeviceEvents(expected.Count, settle);
        }
        catch (QemuException ex)
        {
            throw QemuFailed(label, ex);
        }

        var actual = NormalizeQemu(raw);
        var e = expected.OrderBy(x => x.Kind).ThenBy(x => x.Device, StringComparer.Ordinal).ToList();
        var a = actual.OrderBy(x => x.Kind).ThenBy(x => x.Device, StringComparer.Ordinal).ToList();
        if (expected.Count > 0 || actual.Count > 0)
        {
            _transcript.Add($"     events: {string.Join(' ', e)}");
        }

        if (!e.SequenceEqual(a))
        {
            throw Fail(label, $"notifications differ: library [{string.Join(' ', e)}] but QEMU [{string.Join(' ', raw)}]");
        }

        History.AddRange(expected);
    }

    /// <summary>
    /// SPEC "Beyond QEMU": QEMU 7.2 raises DEVICE_UNPLUG_GUEST_ERROR twice when the guest rejects a memory unplug by
    /// unisolating an LMB (once from its rollback, once from the connector); the library raises one per device.
    /// </summary>
    private static List<DeviceEvent> NormalizeQemu(IReadOnlyList<DeviceEvent> raw)
    {
        var result = new List<DeviceEvent>();
        foreach (var d in raw)
        {
            if (d.Kind == DeviceEventKind.GuestError && result.Contains(d))
            {
                continue;
            }

            result.Add(d);
        }

        return result;
    }

    /// <summary>
    /// A QEMU error under a step: a process that died (waited for briefly, since the socket closes before the exit is
    /// seen) is a crash of the peer, which <see cref="QemuTestCase"/> may retry; anything else fails the step.
    /// </summary>
    private XunitException QemuFailed(string label, QemuException ex)
    {
        var failure = Fail(label, $"QEMU failed: {ex.Message}");
        return Qemu.WaitForExit(TimeSpan.FromSeconds(2)) ? new QemuCrashedException(failure.Message) : failure;
    }

    private XunitException Fail(string label, string what) =>
        new($"Step {Steps} '{label}': {what}.{Environment.NewLine}Transcript (last steps):{Environment.NewLine}{Transcript()}QEMU stderr: {Tail(Qemu.Stderr)}");

    private static string Tail(string s) => s.Length > 1500 ? s[^1500..] : s;
}
