using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Tests.Diagnostics;

/// <summary>
/// "Why is this unplug still pending?" answered from the library (issue 14, item 4): per pending request, the Remove
/// event's fate, each connector held or released with the guest's last call on it, retries, and the time left.
/// </summary>
public sealed class UnplugDiagnosticsTests
{
    private static readonly DateTimeOffset Start = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

    private static DrcIndex Lmb(uint id) => DrcIndex.From(DrcType.Lmb, id);

    private static (DrcRegistry Registry, FakeTimeProvider Clock) DimmMachine(TimeSpan timeout)
    {
        var clock = new FakeTimeProvider(Start);
        var registry = new DrcRegistry(new DrcOptions().SetUnplugTimeout(DrcType.Lmb, timeout), clock);
        registry.CreateConnectors(DrcType.Lmb, 8, 4);
        registry.AttachMemoryDevice(Lmb(8), 4, "dimm0", _ => new DeviceTreeNode("memory"), PlugMode.Cold);
        return (registry, clock);
    }

    private static RtasStatus Take(DrcRegistry registry) => registry.Rtas.CheckException(uint.MaxValue, new byte[DrcRtas.EventLogSize], out _);

    [Fact]
    public void PendingUnplug_DimmWithTwoLmbsReleased_SentenceNamesEventReleasesLastCallAndTimeLeft()
    {
        var (registry, clock) = DimmMachine(TimeSpan.FromSeconds(16));
        using var disposable = registry;
        var request = registry.RequestUnplug(Lmb(8));
        clock.Advance(TimeSpan.FromSeconds(3.2));
        Take(registry).Should().Be(RtasStatus.Success);
        foreach (uint id in new uint[] { 8, 9 })
        {
            registry.Rtas.SetIndicator(RtasIndicator.Isolation, Lmb(id), 0).Should().Be(RtasStatus.Success);
            registry.Rtas.SetIndicator(RtasIndicator.Allocation, Lmb(id), 0).Should().Be(RtasStatus.Success);
        }

        clock.Advance(TimeSpan.FromSeconds(0.2));
        registry.Rtas.GetSensorState(RtasSensor.EntitySense, Lmb(10), out _).Should().Be(RtasStatus.Success);

        var pending = registry.GetPendingUnplugs().Should().ContainSingle().Subject;

        pending.ToString().Should().Be($"dimm0: request {request.RequestId}; Remove taken by the guest at +3.2 s; LMB 8-9 released, LMB 10-11 held; last guest call get-sensor-state LMB 10 -> 0 at +3.4 s; 12.6 s left");
        pending.RemoveEventTakenAt.Should().Be(Start + TimeSpan.FromSeconds(3.2));
        pending.IsRemoveEventQueued.Should().BeFalse();
        pending.Connectors.Select(c => (c.Index, c.IsHeld)).Should().Equal((Lmb(8), false), (Lmb(9), false), (Lmb(10), true), (Lmb(11), true));
        pending.Connectors[9 - 8].LastGuestCall.Should().Be(new GuestCall(GuestCallKind.Unusable, Lmb(9), 0, Start + TimeSpan.FromSeconds(3.2)));
        pending.Connectors[11 - 8].LastGuestCall.Should().BeNull();
        pending.Waiting.Should().Equal(Lmb(10), Lmb(11));
        pending.TimeRemaining.Should().Be(TimeSpan.FromSeconds(12.6));
    }

    [Fact]
    public void PendingUnplug_BeforeTheGuestLooks_SaysTheRemoveIsQueued()
    {
        var (registry, _) = DimmMachine(Timeout.InfiniteTimeSpan);
        using var disposable = registry;
        var request = registry.RequestUnplug(Lmb(9));

        var pending = registry.GetPendingUnplugs().Single();

        pending.IsRemoveEventQueued.Should().BeTrue();
        pending.RemoveEventTakenAt.Should().BeNull();
        pending.ToString().Should().Be($"dimm0: request {request.RequestId}; Remove queued, not taken by the guest yet; LMB 8-11 held; no timeout");
    }

    [Fact]
    public void PendingUnplug_RetriedAfterTimeoutAndTakenAgain_CountsRetriesAndSaysTimedOutThenTimeLeft()
    {
        var (registry, clock) = DimmMachine(TimeSpan.FromSeconds(10));
        using var disposable = registry;
        var request = registry.RequestUnplug(Lmb(8));
        Take(registry);
        clock.Advance(TimeSpan.FromSeconds(10));
        registry.GetPendingUnplugs().Single().ToString().Should().Be($"dimm0: request {request.RequestId}; Remove taken by the guest at +0 s; LMB 8-11 held; timed out, still pending");

        registry.RequestUnplug(Lmb(8)).Status.Should().Be(UnplugRequestStatus.Retried);

        var pending = registry.GetPendingUnplugs().Single();
        pending.RetryCount.Should().Be(1);
        pending.IsRemoveEventQueued.Should().BeTrue();
        pending.ToString().Should().Be($"dimm0: request {request.RequestId} (sent 2 times); Remove queued again, last taken by the guest at +0 s; LMB 8-11 held; 10 s left");
    }

    [Fact]
    public void SensorRead_OnAnLmbTheGuestAlreadyReleased_IsStillThatConnectorsLastCall()
    {
        // The lock-free read asks the connector first and reaches the device only for a released connector: pin both.
        var (registry, clock) = DimmMachine(Timeout.InfiniteTimeSpan);
        using var disposable = registry;
        registry.RequestUnplug(Lmb(8));
        registry.Rtas.SetIndicator(RtasIndicator.Isolation, Lmb(8), 0).Should().Be(RtasStatus.Success);
        registry.Rtas.SetIndicator(RtasIndicator.Allocation, Lmb(8), 0).Should().Be(RtasStatus.Success);
        clock.Advance(TimeSpan.FromSeconds(1));

        registry.Rtas.GetSensorState(RtasSensor.EntitySense, Lmb(8), out var released).Should().Be(RtasStatus.Success);
        registry.Rtas.GetSensorState(RtasSensor.EntitySense, Lmb(9), out var held).Should().Be(RtasStatus.Success);

        released.Should().Be(EntitySense.Unusable);
        held.Should().Be(EntitySense.Present);
        var connectors = registry.GetPendingUnplugs().Single().Connectors;
        connectors[0].IsHeld.Should().BeFalse();
        connectors[0].LastGuestCall.Should().Be(new GuestCall(GuestCallKind.GetSensorState, Lmb(8), 0, Start + TimeSpan.FromSeconds(1)));
        connectors[1].LastGuestCall.Should().Be(new GuestCall(GuestCallKind.GetSensorState, Lmb(9), 0, Start + TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void GuestCalls_OnIdleConnectors_AreNotRecorded()
    {
        var (registry, _) = DimmMachine(Timeout.InfiniteTimeSpan);
        using var disposable = registry;
        registry.Rtas.GetSensorState(RtasSensor.EntitySense, Lmb(8), out _);
        registry.Rtas.SetIndicator(RtasIndicator.Isolation, Lmb(8), 0).Should().Be(RtasStatus.HardwareError, "the guest may not pick LMBs itself");

        registry.RequestUnplug(Lmb(8));

        registry.GetPendingUnplugs().Single().Connectors.Should().OnlyContain(c => c.LastGuestCall == null, "calls before the request are not its story");
    }

    [Fact]
    public void GuestCalls_AfterTheRequestEnds_AreForgotten()
    {
        var (registry, _) = DimmMachine(Timeout.InfiniteTimeSpan);
        using var disposable = registry;
        registry.RequestUnplug(Lmb(8));
        registry.Rtas.GetSensorState(RtasSensor.EntitySense, Lmb(8), out _);
        registry.CancelUnplug(Lmb(8)).Should().BeTrue();

        registry.RequestUnplug(Lmb(8));

        registry.GetPendingUnplugs().Single().Connectors.Should().OnlyContain(c => c.LastGuestCall == null);
    }

    [Fact]
    public void ConfigureConnectorCall_OnPendingPciCard_IsTheLastCall()
    {
        var clock = new FakeTimeProvider(Start);
        using var registry = new DrcRegistry(timeProvider: clock);
        var slot = registry.CreateConnector(DrcType.Pci, 8).Index;
        registry.Attach(slot, "nic", new DeviceTreeNode("ethernet"), PlugMode.Cold);
        registry.RequestUnplug(slot, Timeout.InfiniteTimeSpan);
        var workArea = new byte[DrcRtas.WorkAreaSize];
        BinaryPrimitives.WriteUInt32BigEndian(workArea, slot.Value);

        registry.Rtas.ConfigureConnector(workArea).Should().Be(ConfigureConnectorStatus.NextChild);

        var call = registry.GetPendingUnplugs().Single().Connectors.Single().LastGuestCall!.Value;
        (call.Kind, call.Status, call.ToString()).Should().Be((GuestCallKind.ConfigureConnector, 2, "configure-connector C8 -> 2"));
    }

    [Fact]
    public void PendingUnplug_NonZeroPciFunctionAlone_SaysNoRemoveEventIsQueued()
    {
        using var registry = new DrcRegistry(timeProvider: new FakeTimeProvider(Start));
        var function1 = registry.CreateConnector(DrcType.Pci, 9).Index;
        registry.Attach(function1, "fn1", null, PlugMode.Cold);

        registry.RequestUnplug(function1, Timeout.InfiniteTimeSpan);

        registry.GetPendingUnplugs().Single().ToString().Should().Contain("no Remove event queued");
    }

    [Fact]
    public void Snapshot_RetriedTakenAndCalledRequest_TheDiagnosisTravels()
    {
        var (source, clock) = DimmMachine(TimeSpan.FromSeconds(10));
        using var disposable = source;
        source.RequestUnplug(Lmb(8));
        clock.Advance(TimeSpan.FromSeconds(10));
        source.RequestUnplug(Lmb(8)).Status.Should().Be(UnplugRequestStatus.Retried);
        clock.Advance(TimeSpan.FromSeconds(1));
        Take(source);
        source.Rtas.SetIndicator(RtasIndicator.Isolation, Lmb(9), 0).Should().Be(RtasStatus.Success);
        clock.Advance(TimeSpan.FromSeconds(2));
        var stream = source.SaveSnapshot();

        using var destination = Destination(clock.GetUtcNow());
        destination.LoadSnapshot(stream);

        destination.GetPendingUnplugs().Single().ToString().Should().Be(source.GetPendingUnplugs().Single().ToString());
        destination.SaveSnapshot().Should().Equal(stream);
    }

    [Fact]
    public void Snapshot_WithoutTheOptionalDetailsSection_LoadsTheRestAsAnOlderReaderWould()
    {
        var (source, clock) = DimmMachine(TimeSpan.FromSeconds(10));
        using var disposable = source;
        source.RequestUnplug(Lmb(8));
        Take(source);
        source.Rtas.GetSensorState(RtasSensor.EntitySense, Lmb(8), out _);
        var full = source.SaveSnapshot();
        var sections = Snapshot.SnapshotTestKit.Sections(full);
        sections.Should().Contain(s => s.Id == 5 && s.Flags == 0, "the details are an optional section");
        var withoutDetails = Snapshot.SnapshotTestKit.Assemble(sections.Where(s => s.Id != 5));

        using var destination = Destination(clock.GetUtcNow());
        destination.LoadSnapshot(withoutDetails);

        var pending = destination.GetPendingUnplugs().Single();
        (pending.Waiting.Length, pending.RemoveEventTakenAt, pending.Connectors[0].LastGuestCall).Should().Be((4, (DateTimeOffset?)null, (GuestCall?)null));
    }

    [Fact]
    public void Snapshot_DetailsNamingAnotherRequest_IsRefusedUnchanged()
    {
        var (source, clock) = DimmMachine(TimeSpan.FromSeconds(10));
        using var disposable = source;
        var request = source.RequestUnplug(Lmb(8));
        Take(source);
        var stream = Snapshot.SnapshotTestKit.EditSection(source.SaveSnapshot(), 5, payload => payload[4] ^= 0x40);
        using var destination = Destination(clock.GetUtcNow());

        Snapshot.SnapshotTestKit.ShouldRefuse(destination, stream, "the details name unplug request");
        request.RequestId.Should().BePositive();
    }

    private static DrcRegistry Destination(DateTimeOffset now)
    {
        var registry = new DrcRegistry(new DrcOptions().SetUnplugTimeout(DrcType.Lmb, TimeSpan.FromSeconds(10)), new FakeTimeProvider(now));
        registry.CreateConnectors(DrcType.Lmb, 8, 4);
        registry.AttachMemoryDevice(Lmb(8), 4, "dimm0", _ => new DeviceTreeNode("memory"), PlugMode.Cold);
        return registry;
    }
}
