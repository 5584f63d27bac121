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
            throw Fail(label, $"QEMU failed: {ex.Message}");
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
            throw Fail($"add {id}", $"QEMU failed: {ex.Message}");
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

    /// <summary>Linux's acquire: sense, allocate usable (logical), unisolate.</summary>
    public void Acquire(uint index)
    {
        Sense(index);
        if (index >> 28 != 4)
        {
            Usable(index);
        }

        Unisolate(index);
    }

    /// <summary>Linux's release: sense, isolate, allocate unusable (logical).</summary>
    public void Release(uint index)
    {
        Sense(index);
        Isolate(index);
        if (index >> 28 != 4)
        {
            Unusable(index);
        }
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
            throw Fail(label, $"QEMU failed: {ex.Message}");
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

    private XunitException Fail(string label, string what) =>
        new($"Step {Steps} '{label}': {what}.{Environment.NewLine}Transcript (last steps):{Environment.NewLine}{Transcript()}QEMU stderr: {Tail(Qemu.Stderr)}");

    private static string Tail(string s) => s.Length > 1500 ? s[^1500..] : s;
}
