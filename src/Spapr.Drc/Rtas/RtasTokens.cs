using System.Collections.Frozen;
using System.Globalization;

namespace Spapr.Drc;

/// <summary>
/// The tokens of the RTAS calls <see cref="RtasDispatcher"/> serves: what the emulator publishes in the guest's
/// <c>/rtas</c> device-tree node (one property per call, named after the call, holding its token as one big-endian
/// cell) and what the guest later passes in the first cell of its argument buffer. <see cref="Qemu"/> numbers them as
/// QEMU 7.2 does; an emulator with its own numbering builds its own table.
/// </summary>
public sealed class RtasTokens
{
    /// <summary>
    /// Every call QEMU 7.2's pSeries machine lists in <c>/rtas</c>, with its token, as its <c>dumpdtb</c> shows them
    /// (<c>-machine pseries</c>, POWER9, default interrupt controller). Five are the dispatcher's; an emulator that
    /// serves any of the others itself can give them the same numbers, so that its tokens never collide with ours.
    /// </summary>
    private static readonly (string Name, uint Token)[] QemuTable =
    [
        ("display-character", 0x2000),
        ("get-time-of-day", 0x2001),
        ("set-time-of-day", 0x2002),
        ("power-off", 0x2003),
        ("system-reboot", 0x2004),
        ("query-cpu-stopped-state", 0x2005),
        ("start-cpu", 0x2006),
        ("stop-self", 0x2007),
        ("ibm,get-system-parameter", 0x2008),
        ("ibm,set-system-parameter", 0x2009),
        ("ibm,set-xive", 0x200A),
        ("ibm,get-xive", 0x200B),
        ("ibm,int-off", 0x200C),
        ("ibm,int-on", 0x200D),
        ("check-exception", 0x200E),
        ("event-scan", 0x200F),
        ("ibm,set-tce-bypass", 0x2010),
        ("quiesce", 0x2011),
        ("nvram-fetch", 0x2012),
        ("nvram-store", 0x2013),
        ("read-pci-config", 0x2014),
        ("write-pci-config", 0x2015),
        ("ibm,read-pci-config", 0x2016),
        ("ibm,write-pci-config", 0x2017),
        ("ibm,query-interrupt-source-number", 0x2018),
        ("ibm,change-msi", 0x2019),
        ("set-indicator", 0x201A),
        ("set-power-level", 0x201B),
        ("get-power-level", 0x201C),
        ("get-sensor-state", 0x201D),
        ("ibm,configure-connector", 0x201E),
        ("ibm,os-term", 0x201F),
        ("ibm,set-eeh-option", 0x2020),
        ("ibm,get-config-addr-info2", 0x2021),
        ("ibm,read-slot-reset-state2", 0x2022),
        ("ibm,set-slot-reset", 0x2023),
        ("ibm,configure-pe", 0x2024),
        ("ibm,slot-error-detail", 0x2025),
        ("ibm,query-pe-dma-window", 0x2026),
        ("ibm,create-pe-dma-window", 0x2027),
        ("ibm,remove-pe-dma-window", 0x2028),
        ("ibm,reset-pe-dma-window", 0x2029),
        ("ibm,suspend-me", 0x202A),
        ("ibm,nmi-register", 0x202B),
        ("ibm,nmi-interlock", 0x202C),
    ];

    private readonly uint _setIndicator;
    private readonly uint _getSensorState;
    private readonly uint _configureConnector;
    private readonly uint _checkException;
    private readonly uint _eventScan;

    /// <summary>A table with the emulator's own tokens.</summary>
    /// <param name="setIndicator">The token of <c>set-indicator</c>.</param>
    /// <param name="getSensorState">The token of <c>get-sensor-state</c>.</param>
    /// <param name="configureConnector">The token of <c>ibm,configure-connector</c>.</param>
    /// <param name="checkException">The token of <c>check-exception</c>.</param>
    /// <param name="eventScan">The token of <c>event-scan</c>.</param>
    /// <exception cref="ArgumentException">Two calls share a token.</exception>
    public RtasTokens(uint setIndicator, uint getSensorState, uint configureConnector, uint checkException, uint eventScan)
    {
        uint[] tokens = [setIndicator, getSensorState, configureConnector, checkException, eventScan];
        if (tokens.Distinct().Count() != tokens.Length)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Every RTAS call needs its own token; got set-indicator 0x{setIndicator:x}, get-sensor-state 0x{getSensorState:x}, ibm,configure-connector 0x{configureConnector:x}, check-exception 0x{checkException:x}, event-scan 0x{eventScan:x}."),
                nameof(setIndicator));
        }

        _setIndicator = setIndicator;
        _getSensorState = getSensorState;
        _configureConnector = configureConnector;
        _checkException = checkException;
        _eventScan = eventScan;
    }

    /// <summary>
    /// QEMU 7.2's tokens: set-indicator 0x201A, get-sensor-state 0x201D, ibm,configure-connector 0x201E,
    /// check-exception 0x200E, event-scan 0x200F.
    /// </summary>
    public static RtasTokens Qemu { get; } = new(0x201A, 0x201D, 0x201E, 0x200E, 0x200F);

    /// <summary>
    /// All 45 calls QEMU 7.2's pSeries machine lists in <c>/rtas</c> (name to token), the dispatcher's five included.
    /// The other 40 (display-character, power-off, start-cpu, the PCI, EEH, DMA-window, interrupt and NMI calls, ...)
    /// are the emulator's business; numbering them this way keeps them clear of <see cref="Qemu"/>'s tokens.
    /// </summary>
    public static IReadOnlyDictionary<string, uint> QemuNumbering { get; } =
        QemuTable.ToFrozenDictionary(e => e.Name, e => e.Token, StringComparer.Ordinal);

    /// <summary>The token of <paramref name="call"/>.</summary>
    /// <param name="call">A call the dispatcher serves.</param>
    /// <returns>The token.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="call"/> is <see cref="RtasCall.None"/> or not defined.</exception>
    public uint TokenOf(RtasCall call) => call switch
    {
        RtasCall.SetIndicator => _setIndicator,
        RtasCall.GetSensorState => _getSensorState,
        RtasCall.ConfigureConnector => _configureConnector,
        RtasCall.CheckException => _checkException,
        RtasCall.EventScan => _eventScan,
        _ => throw new ArgumentOutOfRangeException(nameof(call), call, "Only the calls the dispatcher serves have tokens."),
    };

    /// <summary>The call a token names; <see cref="RtasCall.None"/> when it names none of the dispatcher's.</summary>
    /// <param name="token">The token, as the guest passed it.</param>
    /// <returns>The call.</returns>
    public RtasCall CallOf(uint token)
    {
        // Five compares: cheaper than any lookup structure, and allocation-free on the RTAS path.
        if (token == _setIndicator)
        {
            return RtasCall.SetIndicator;
        }

        if (token == _getSensorState)
        {
            return RtasCall.GetSensorState;
        }

        if (token == _configureConnector)
        {
            return RtasCall.ConfigureConnector;
        }

        if (token == _checkException)
        {
            return RtasCall.CheckException;
        }

        return token == _eventScan ? RtasCall.EventScan : RtasCall.None;
    }

    /// <summary>The name of a call in <c>/rtas</c>, e.g. "ibm,configure-connector".</summary>
    /// <param name="call">A call the dispatcher serves.</param>
    /// <returns>The name.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="call"/> is <see cref="RtasCall.None"/> or not defined.</exception>
    public static string NameOf(RtasCall call) => call switch
    {
        RtasCall.SetIndicator => "set-indicator",
        RtasCall.GetSensorState => "get-sensor-state",
        RtasCall.ConfigureConnector => "ibm,configure-connector",
        RtasCall.CheckException => "check-exception",
        RtasCall.EventScan => "event-scan",
        _ => throw new ArgumentOutOfRangeException(nameof(call), call, "Only the calls the dispatcher serves have names."),
    };

    /// <summary>
    /// The <c>/rtas</c> node properties for the dispatcher's five calls, in token order: each named after its call and
    /// holding its token as one big-endian cell. The emulator adds the properties of the calls it serves itself.
    /// </summary>
    /// <returns>Five properties.</returns>
    public IReadOnlyList<DeviceTreeProperty> GetDeviceTreeProperties() =>
    [
        .. new[] { RtasCall.SetIndicator, RtasCall.GetSensorState, RtasCall.ConfigureConnector, RtasCall.CheckException, RtasCall.EventScan }
            .OrderBy(TokenOf)
            .Select(call => DeviceTreeProperty.FromCells(NameOf(call), TokenOf(call))),
    ];

    /// <summary>The table as "name=0xtoken" pairs, for logs.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => string.Join(
        ", ",
        new[] { RtasCall.SetIndicator, RtasCall.GetSensorState, RtasCall.ConfigureConnector, RtasCall.CheckException, RtasCall.EventScan }
            .Select(call => string.Create(CultureInfo.InvariantCulture, $"{NameOf(call)}=0x{TokenOf(call):x}")));
}
