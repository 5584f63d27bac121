using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Tests.Support;

/// <summary>A registry on a fake clock plus the guest's RTAS calls, so tests read like the guest's sequences.</summary>
internal sealed class Machine : IDisposable
{
    public const uint Isolation = 9001;
    public const uint DrIndicatorType = 9002;
    public const uint Allocation = 9003;
    public const uint EntitySenseSensor = 9003;

    public Machine(DrcOptions? options = null, ILogger? logger = null)
    {
        Time = new FakeTimeProvider();
        Registry = new DrcRegistry(options, Time, logger);
        Notifications = new NotificationRecorder(Registry);
    }

    public FakeTimeProvider Time { get; }

    public DrcRegistry Registry { get; }

    public NotificationRecorder Notifications { get; }

    public DrcRtas Rtas => Registry.Rtas;

    public SpaprDrc Create(DrcType type, uint id, DrcIndex? owner = null) => Registry.CreateConnector(type, id, owner);

    public object HotPlug(SpaprDrc drc, DeviceTreeNode? fragment = null)
    {
        var device = new TestDevice(drc.Name);
        Registry.Attach(drc.Index, device, fragment ?? Fragments.Simple(), PlugMode.Hot);
        return device;
    }

    public object ColdPlug(SpaprDrc drc, DeviceTreeNode? fragment = null)
    {
        var device = new TestDevice(drc.Name);
        Registry.Attach(drc.Index, device, fragment ?? Fragments.Simple(), PlugMode.Cold);
        return device;
    }

    public RtasStatus Isolate(SpaprDrc drc) => Rtas.SetIndicator(Isolation, drc.Index.Value, 0);

    public RtasStatus Unisolate(SpaprDrc drc) => Rtas.SetIndicator(Isolation, drc.Index.Value, 1);

    public RtasStatus Usable(SpaprDrc drc) => Rtas.SetIndicator(Allocation, drc.Index.Value, 1);

    public RtasStatus Unusable(SpaprDrc drc) => Rtas.SetIndicator(Allocation, drc.Index.Value, 0);

    public (RtasStatus Status, uint Value) Sense(SpaprDrc drc)
    {
        var status = Rtas.GetSensorState(EntitySenseSensor, drc.Index.Value, out var value);
        return (status, value);
    }

    public UnplugRequestResult RequestUnplug(SpaprDrc drc) => Registry.RequestUnplug(drc.Index, Timeout.InfiniteTimeSpan);

    public ConfigureConnectorStatus ConfigureStep(uint index, byte[] workArea)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(workArea, index);
        return Rtas.ConfigureConnector(workArea);
    }

    /// <summary>Calls configure-connector until it stops handing out nodes and properties, as Linux does.</summary>
    public List<ConfigureConnectorStatus> ConfigureAll(SpaprDrc drc)
    {
        var codes = new List<ConfigureConnectorStatus>();
        var wa = new byte[DrcRtas.WorkAreaSize];
        for (int guard = 0; guard < 10_000; guard++)
        {
            var status = ConfigureStep(drc.Index.Value, wa);
            codes.Add(status);
            if (status is not (ConfigureConnectorStatus.NextChild or ConfigureConnectorStatus.NextProperty or ConfigureConnectorStatus.PreviousParent))
            {
                return codes;
            }
        }

        throw new InvalidOperationException("configure-connector never finished");
    }

    /// <summary>Builds a connector in a given state (SPEC section 2), with or without a device and a pending unplug.</summary>
    /// <remarks>
    /// "Empty state with a device and an unplug pending" cannot be reached through the public surface (a request
    /// in the empty state releases at once); it is forced through the internal state setter so the table row is still pinned.
    /// </remarks>
    public SpaprDrc InState(DrcType type, uint id, DrcState state, bool device = true, bool pending = false)
    {
        var drc = Create(type, id);
        var empty = DrcClassRules.Of(drc.Class).EmptyState;
        if (!device)
        {
            if (state != empty || pending)
            {
                throw new ArgumentException("Without a device only the empty state exists.");
            }

            return drc;
        }

        if (state == empty && pending)
        {
            ColdPlug(drc);
            RequestUnplug(drc).Status.Should().Be(UnplugRequestStatus.Requested);
            drc.State = empty;
            return drc;
        }

        switch (state)
        {
            case DrcState.LogicalUnusable or DrcState.PhysicalPowerOn:
                HotPlug(drc);
                break;
            case DrcState.LogicalAvailable:
                HotPlug(drc);
                Usable(drc).Should().Be(RtasStatus.Success);
                break;
            case DrcState.LogicalUnisolate:
                HotPlug(drc);
                Usable(drc).Should().Be(RtasStatus.Success);
                Unisolate(drc).Should().Be(RtasStatus.Success);
                break;
            case DrcState.PhysicalUnisolate:
                HotPlug(drc);
                Unisolate(drc).Should().Be(RtasStatus.Success);
                break;
            case DrcState.LogicalConfigured or DrcState.PhysicalConfigured:
                ColdPlug(drc);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(state));
        }

        drc.State.Should().Be(state);
        if (pending)
        {
            RequestUnplug(drc).Status.Should().Be(UnplugRequestStatus.Requested);
        }

        return drc;
    }

    public void Dispose() => Registry.Dispose();
}
