using Spapr.Drc.Tests.Support;

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
        using var machine = new Machine();
        var first = machine.HotAddMemory(8, 4, device: "dimm0");
        machine.Registry.RequestUnplug(first, Timeout.InfiniteTimeSpan).Status.Should().Be(UnplugRequestStatus.Requested);
        machine.GuestRelease(Lmb(9));

        machine.Registry.TryAttach(Lmb(9), "dimm1", null, PlugMode.Hot, out var error).Should().BeFalse();
        machine.Registry.TryAttachMemoryDevice(Lmb(9), 1, "dimm1", null, PlugMode.Cold, out var spanError).Should().BeFalse();

        error.Should().Contain("LMB 9").And.Contain("dimm0");
        spanError.Should().Contain("dimm0");
        machine.Registry[Lmb(9)].AttachedDevice!.Device.Should().Be("dimm0");
        machine.Registry[Lmb(9)].Device.Should().BeNull("the guest released it");
    }

    [Fact]
    public void Reject_AfterOneLmbReleased_ListsOnlyTheDimmsOwnLmbs()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(8, 4, device: "dimm0");
        machine.Registry.RequestUnplug(first, Timeout.InfiniteTimeSpan);
        machine.GuestRelease(Lmb(9));
        machine.Registry.TryAttach(Lmb(9), "dimm1", null, PlugMode.Hot, out _);

        machine.Unisolate(Lmb(10)).Should().Be(RtasStatus.Success);

        var rejected = machine.Notifications.Rejected.Should().ContainSingle().Subject;
        rejected.Device.Should().Be("dimm0");
        rejected.Connectors.Should().Equal(Lmb(8), Lmb(9), Lmb(10), Lmb(11));
        machine.Registry.TryGetDevice(Lmb(8), out var dimm).Should().BeTrue();
        dimm!.HeldConnectors.Should().Equal(Lmb(8), Lmb(10), Lmb(11));
    }

    [Fact]
    public void Completed_DimmWithEarlierReleasedLmb_NamesItsOwnLmbsAndFreesThemAll()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(8, 2, device: "dimm0");
        var result = machine.Registry.RequestUnplug(first, Timeout.InfiniteTimeSpan);
        machine.GuestRelease(Lmb(8));
        machine.Registry.TryAttach(Lmb(8), "intruder", null, PlugMode.Cold, out _).Should().BeFalse();

        machine.GuestRelease(Lmb(9));

        var completed = machine.Notifications.Completed.Should().ContainSingle().Subject;
        (completed.Device, completed.RequestId).Should().Be(("dimm0", result.RequestId));
        completed.Connectors.Should().Equal(Lmb(8), Lmb(9));
        completed.AttachedDevice.IsAttached.Should().BeFalse();
        machine.Registry[Lmb(8)].AttachedDevice.Should().BeNull();
        machine.Registry.TryAttachMemoryDevice(Lmb(8), 2, "dimm1", null, PlugMode.Cold, out _).Should().BeTrue("the removal ended, the LMBs are free");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Repeat_AfterMiddleLmbReleasedThenCancelOrReject_AsksForEachHeldRun(bool cancel)
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(0, 4, device: "dimm0");
        machine.Registry.RequestUnplug(first, Timeout.InfiniteTimeSpan);
        machine.GuestRelease(Lmb(1));
        if (cancel)
        {
            machine.Registry.CancelUnplug(first).Should().BeTrue();
        }
        else
        {
            machine.Unisolate(Lmb(2)).Should().Be(RtasStatus.Success);
        }

        while (machine.Registry.Rtas.CheckException(uint.MaxValue, new byte[DrcRtas.EventLogSize], out _) == RtasStatus.Success)
        {
        }

        var again = machine.Registry.RequestUnplug(Lmb(3), Timeout.InfiniteTimeSpan);

        again.Status.Should().Be(UnplugRequestStatus.Requested);
        machine.RemoveEvents().Select(e => (e.Identifier, e.Index, e.Count)).Should().Equal(
            (HotplugIdentifier.DrcCountIndexed, (DrcIndex?)Lmb(0), 1u),
            (HotplugIdentifier.DrcCountIndexed, (DrcIndex?)Lmb(2), 2u));
        machine.Registry.GetPendingUnplugs().Single().Waiting.Should().Equal(Lmb(0), Lmb(2), Lmb(3));
        machine.GuestRelease(Lmb(0));
        machine.GuestRelease(Lmb(2));
        machine.Notifications.Completed.Should().BeEmpty("LMB 3 is still held");
        machine.GuestRelease(Lmb(3));
        machine.Notifications.Completed.Should().ContainSingle().Which.RequestId.Should().Be(again.RequestId);
        machine.Registry.AssertInvariants();
    }

    [Fact]
    public void Retry_AfterTimeoutWithLmbReleased_ReQueuesOnlyTheHeldRuns()
    {
        using var machine = new Machine(new DrcOptions().SetUnplugTimeout(DrcType.Lmb, TimeSpan.FromSeconds(30)));
        var first = machine.HotAddMemory(0, 5, device: "dimm0");
        machine.Registry.RequestUnplug(first);
        machine.GuestRelease(Lmb(2));
        machine.Clock.Advance(TimeSpan.FromSeconds(30));
        while (machine.Registry.Rtas.CheckException(uint.MaxValue, new byte[DrcRtas.EventLogSize], out _) == RtasStatus.Success)
        {
        }

        machine.Registry.RequestUnplug(first).Status.Should().Be(UnplugRequestStatus.Retried);

        machine.RemoveEvents().Select(e => (e.Index, e.Count)).Should().Equal(((DrcIndex?)Lmb(0), 2u), ((DrcIndex?)Lmb(3), 2u));
    }

    [Fact]
    public void Snapshot_DimmWithAHoleAndNothingPending_LoadsAtTheDestination()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(0, 4, device: "dimm0");
        machine.Registry.RequestUnplug(first, Timeout.InfiniteTimeSpan);
        machine.GuestRelease(Lmb(1));
        machine.Registry.CancelUnplug(first);
        var stream = machine.Registry.SaveSnapshot();

        using var destinationMachine = Snapshot.SnapshotTestKit.Destination(machine.Registry);
        var destination = destinationMachine.Registry;
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
        using var machine = new Machine();
        var phb = machine.HotAdd(DrcType.Phb, 1, device: "phb1");
        var slots = machine.Registry.CreateConnectors(DrcType.Pci, 0x1_0000, 2, phb);
        machine.Registry.Attach(slots[0].Index, "card", Fragments.Simple("card"), PlugMode.Hot);
        machine.Registry.Attach(slots[1].Index, "pending card", Fragments.Simple("card"), PlugMode.Cold);
        var pendingCard = machine.Registry.RequestUnplug(slots[1].Index, Timeout.InfiniteTimeSpan);
        var request = machine.Registry.RequestUnplug(phb, Timeout.InfiniteTimeSpan);

        machine.GuestRelease(phb);

        machine.Notifications.Completed.Select(e => (e.Device, e.Outcome, e.RequestId)).Should().Equal(
            ("phb1", UnplugOutcome.Completed, request.RequestId),
            ("card", UnplugOutcome.RemovedWithOwner, 0L),
            ("pending card", UnplugOutcome.RemovedWithOwner, pendingCard.RequestId));
        machine.Registry.GetQueuedEvents().Should().NotContain(e => e.Index == slots[0].Index || e.Index == slots[1].Index);
        machine.Registry.GetQueuedEvents().Should().ContainSingle(e => e.Type == HotplugType.Phb && e.Action == HotplugAction.Remove);
        machine.Registry.GetPendingUnplugs().Should().BeEmpty();
        machine.Registry.AssertInvariants();
    }

    [Fact]
    public void AttachedDevice_MemoryDevice_TellsItsConnectorsAndRequest()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(4, 3, device: "dimm0");
        machine.Registry.TryGetDevice(Lmb(5), out var dimm).Should().BeTrue();

        dimm!.Connectors.Should().Equal(Lmb(4), Lmb(5), Lmb(6));
        (dimm.Index, dimm.Type, dimm.IsUnplugPending, dimm.PendingRequestId).Should().Be((first, DrcType.Lmb, false, 0L));
        var result = machine.Registry.RequestUnplug(Lmb(6), Timeout.InfiniteTimeSpan);
        (dimm.IsUnplugPending, dimm.PendingRequestId).Should().Be((true, result.RequestId));
        dimm.ToString().Should().Be("dimm0 on LMB 4-6");
    }
}
