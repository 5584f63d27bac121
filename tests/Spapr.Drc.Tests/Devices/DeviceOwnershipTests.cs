using Spapr.Drc.Tests.Unplug;

namespace Spapr.Drc.Tests.Devices;

/// <summary>
/// A device owns its connectors from attach until its removal ends (the issue "From connectors to devices", findings
/// 1, 2 and 5): released LMBs stay the DIMM's, a repeat asks for exactly what is held, and a PHB takes its cards along.
/// </summary>
public sealed class DeviceOwnershipTests
{
    private static DrcIndex Lmb(uint id) => DrcIndex.From(DrcType.Lmb, id);

    [Fact]
    public void Attach_OntoLmbReleasedByPendingDimm_IsRefusedNamingTheOwner()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(8, 4, device: "dimm0");
        h.Registry.RequestUnplug(first, Timeout.InfiniteTimeSpan).Status.Should().Be(UnplugRequestStatus.Requested);
        h.GuestRelease(Lmb(9));

        h.Registry.TryAttach(Lmb(9), "dimm1", null, PlugMode.Hot, out var error).Should().BeFalse();
        h.Registry.TryAttachMemoryDevice(Lmb(9), 1, "dimm1", null, PlugMode.Cold, out var spanError).Should().BeFalse();

        error.Should().Contain("LMB 9").And.Contain("dimm0");
        spanError.Should().Contain("dimm0");
        h.Registry[Lmb(9)].AttachedDevice!.Device.Should().Be("dimm0");
        h.Registry[Lmb(9)].Device.Should().BeNull("the guest released it");
    }

    [Fact]
    public void Reject_AfterOneLmbReleased_ListsOnlyTheDimmsOwnLmbs()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(8, 4, device: "dimm0");
        h.Registry.RequestUnplug(first, Timeout.InfiniteTimeSpan);
        h.GuestRelease(Lmb(9));
        h.Registry.TryAttach(Lmb(9), "dimm1", null, PlugMode.Hot, out _);

        h.Unisolate(Lmb(10)).Should().Be(RtasStatus.Success);

        var rejected = h.Rejected.Should().ContainSingle().Subject;
        rejected.Device.Should().Be("dimm0");
        rejected.Connectors.Should().Equal(Lmb(8), Lmb(9), Lmb(10), Lmb(11));
        h.Registry.TryGetDevice(Lmb(8), out var dimm).Should().BeTrue();
        dimm!.HeldConnectors.Should().Equal(Lmb(8), Lmb(10), Lmb(11));
    }

    [Fact]
    public void Completed_DimmWithEarlierReleasedLmb_NamesItsOwnLmbsAndFreesThemAll()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(8, 2, device: "dimm0");
        var result = h.Registry.RequestUnplug(first, Timeout.InfiniteTimeSpan);
        h.GuestRelease(Lmb(8));
        h.Registry.TryAttach(Lmb(8), "intruder", null, PlugMode.Cold, out _).Should().BeFalse();

        h.GuestRelease(Lmb(9));

        var completed = h.Completed.Should().ContainSingle().Subject;
        (completed.Device, completed.RequestId).Should().Be(("dimm0", result.RequestId));
        completed.Connectors.Should().Equal(Lmb(8), Lmb(9));
        completed.AttachedDevice.IsAttached.Should().BeFalse();
        h.Registry[Lmb(8)].AttachedDevice.Should().BeNull();
        h.Registry.TryAttachMemoryDevice(Lmb(8), 2, "dimm1", null, PlugMode.Cold, out _).Should().BeTrue("the removal ended, the LMBs are free");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Repeat_AfterMiddleLmbReleasedThenCancelOrReject_AsksForEachHeldRun(bool cancel)
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(0, 4, device: "dimm0");
        h.Registry.RequestUnplug(first, Timeout.InfiniteTimeSpan);
        h.GuestRelease(Lmb(1));
        if (cancel)
        {
            h.Registry.CancelUnplug(first).Should().BeTrue();
        }
        else
        {
            h.Unisolate(Lmb(2)).Should().Be(RtasStatus.Success);
        }

        while (h.Registry.Rtas.CheckException(uint.MaxValue, new byte[DrcRtas.EventLogSize], out _) == RtasStatus.Success)
        {
        }

        var again = h.Registry.RequestUnplug(Lmb(3), Timeout.InfiniteTimeSpan);

        again.Status.Should().Be(UnplugRequestStatus.Requested);
        h.RemoveEvents().Select(e => (e.Identifier, e.Index, e.Count)).Should().Equal(
            (HotplugIdentifier.DrcCountIndexed, (DrcIndex?)Lmb(0), 1u),
            (HotplugIdentifier.DrcCountIndexed, (DrcIndex?)Lmb(2), 2u));
        h.Registry.GetPendingUnplugs().Single().Waiting.Should().Equal(Lmb(0), Lmb(2), Lmb(3));
        h.GuestRelease(Lmb(0));
        h.GuestRelease(Lmb(2));
        h.Completed.Should().BeEmpty("LMB 3 is still held");
        h.GuestRelease(Lmb(3));
        h.Completed.Should().ContainSingle().Which.RequestId.Should().Be(again.RequestId);
        h.Registry.AssertInvariants();
    }

    [Fact]
    public void Retry_AfterTimeoutWithLmbReleased_ReQueuesOnlyTheHeldRuns()
    {
        using var h = new UnplugHarness(new DrcOptions().SetUnplugTimeout(DrcType.Lmb, TimeSpan.FromSeconds(30)));
        var first = h.HotPlugMemory(0, 5, device: "dimm0");
        h.Registry.RequestUnplug(first);
        h.GuestRelease(Lmb(2));
        h.Clock.Advance(TimeSpan.FromSeconds(30));
        while (h.Registry.Rtas.CheckException(uint.MaxValue, new byte[DrcRtas.EventLogSize], out _) == RtasStatus.Success)
        {
        }

        h.Registry.RequestUnplug(first).Status.Should().Be(UnplugRequestStatus.Retried);

        h.RemoveEvents().Select(e => (e.Index, e.Count)).Should().Equal(((DrcIndex?)Lmb(0), 2u), ((DrcIndex?)Lmb(3), 2u));
    }

    [Fact]
    public void Snapshot_DimmWithAHoleAndNothingPending_LoadsAtTheDestination()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(0, 4, device: "dimm0");
        h.Registry.RequestUnplug(first, Timeout.InfiniteTimeSpan);
        h.GuestRelease(Lmb(1));
        h.Registry.CancelUnplug(first);
        var stream = h.Registry.SaveSnapshot();

        using var destination = Snapshot.SnapshotTestKit.Destination(h.Registry, null, out _);
        destination.LoadSnapshot(stream);

        destination.AssertInvariants();
        destination[Lmb(1)].Device.Should().BeNull();
        destination[Lmb(1)].AttachedDevice!.Device.Should().Be("dimm0");
        destination.TryGetDevice(Lmb(0), out var dimm).Should().BeTrue();
        dimm!.HeldConnectors.Should().Equal(Lmb(0), Lmb(2), Lmb(3));
        destination.SaveSnapshot().Should().Equal(stream);
        destination.RequestUnplug(first, Timeout.InfiniteTimeSpan).Status.Should().Be(UnplugRequestStatus.Requested);
        destination.GetQueuedEvents().Where(e => e.Action == HotplugAction.Remove).Select(e => (e.Index, e.Count)).TakeLast(2)
            .Should().Equal(((DrcIndex?)Lmb(0), 1u), ((DrcIndex?)Lmb(2), 2u));
    }

    [Fact]
    public void PhbRelease_CardNeverUnplugged_EndsWithItsOwnerAndItsEventsAreDropped()
    {
        using var h = new UnplugHarness();
        var phb = h.HotPlug(DrcType.Phb, 1, device: "phb1");
        var slots = h.Registry.CreateConnectors(DrcType.Pci, 0x1_0000, 2, phb);
        h.Registry.Attach(slots[0].Index, "card", UnplugHarness.Fragment("card"), PlugMode.Hot);
        h.Registry.Attach(slots[1].Index, "pending card", UnplugHarness.Fragment("card"), PlugMode.Cold);
        var pendingCard = h.Registry.RequestUnplug(slots[1].Index, Timeout.InfiniteTimeSpan);
        var request = h.Registry.RequestUnplug(phb, Timeout.InfiniteTimeSpan);

        h.GuestRelease(phb);

        h.Completed.Select(e => (e.Device, e.Outcome, e.RequestId)).Should().Equal(
            ("phb1", UnplugOutcome.Completed, request.RequestId),
            ("card", UnplugOutcome.RemovedWithOwner, 0L),
            ("pending card", UnplugOutcome.RemovedWithOwner, pendingCard.RequestId));
        h.Registry.GetQueuedEvents().Should().NotContain(e => e.Index == slots[0].Index || e.Index == slots[1].Index);
        h.Registry.GetQueuedEvents().Should().ContainSingle(e => e.Type == HotplugType.Phb && e.Action == HotplugAction.Remove);
        h.Registry.GetPendingUnplugs().Should().BeEmpty();
        h.Registry.AssertInvariants();
    }

    [Fact]
    public void AttachedDevice_MemoryDevice_TellsItsConnectorsAndRequest()
    {
        using var h = new UnplugHarness();
        var first = h.HotPlugMemory(4, 3, device: "dimm0");
        h.Registry.TryGetDevice(Lmb(5), out var dimm).Should().BeTrue();

        dimm!.Connectors.Should().Equal(Lmb(4), Lmb(5), Lmb(6));
        (dimm.Index, dimm.Type, dimm.IsUnplugPending, dimm.PendingRequestId).Should().Be((first, DrcType.Lmb, false, 0L));
        var result = h.Registry.RequestUnplug(Lmb(6), Timeout.InfiniteTimeSpan);
        (dimm.IsUnplugPending, dimm.PendingRequestId).Should().Be((true, result.RequestId));
        dimm.ToString().Should().Be("dimm0 on LMB 4-6");
    }
}
