using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Connectors;

/// <summary>SPEC section 3: a guest rejection on any LMB rolls back the whole memory device, notified once.</summary>
public sealed class MemoryDeviceRejectionTests
{
    [Fact]
    public void Unisolate_OneLmbOfPendingMemoryDevice_RollsBackEveryLmbOnce()
    {
        using var machine = new Machine();
        var lmbs = machine.Registry.CreateConnectors(DrcType.Lmb, 8, 3);
        machine.Registry.AttachMemoryDevice(lmbs[0].Index, 3, new TestDevice("dimm1"), _ => Fragments.Simple(), PlugMode.Cold);
        machine.Registry.RequestUnplug(lmbs[1].Index).Status.Should().Be(UnplugRequestStatus.Requested);
        lmbs.Should().OnlyContain(l => l.IsUnplugPending);

        machine.Unisolate(lmbs[2]).Should().Be(RtasStatus.Success);

        lmbs.Should().OnlyContain(l => !l.IsUnplugPending && l.State == DrcState.LogicalConfigured && l.Device != null);
        var rejected = machine.Notifications.Unplug.Where(n => n.Outcome == UnplugOutcome.RejectedByGuest).ToList();
        rejected.Should().ContainSingle();
        rejected[0].Connectors.Should().Equal(lmbs.Select(l => l.Index));
    }

    [Fact]
    public void Isolate_LmbAfterRollback_IsHardwareError()
    {
        using var machine = new Machine();
        var lmbs = machine.Registry.CreateConnectors(DrcType.Lmb, 8, 2);
        machine.Registry.AttachMemoryDevice(lmbs[0].Index, 2, new TestDevice("dimm1"), _ => Fragments.Simple(), PlugMode.Cold);
        machine.Registry.RequestUnplug(lmbs[0].Index);
        machine.Unisolate(lmbs[0]);

        machine.Isolate(lmbs[1]).Should().Be(RtasStatus.HardwareError);
    }

    [Fact]
    public void Unusable_LastLmbOfMemoryDevice_CompletesTheDeviceOnce()
    {
        using var machine = new Machine();
        var lmbs = machine.Registry.CreateConnectors(DrcType.Lmb, 8, 2);
        var dimm = new TestDevice("dimm1");
        machine.Registry.AttachMemoryDevice(lmbs[0].Index, 2, dimm, _ => Fragments.Simple(), PlugMode.Cold);
        machine.Registry.RequestUnplug(lmbs[0].Index);
        machine.Isolate(lmbs[0]).Should().Be(RtasStatus.Success);
        machine.Unusable(lmbs[0]).Should().Be(RtasStatus.Success);
        machine.Notifications.Unplug.Should().BeEmpty();
        machine.Isolate(lmbs[1]).Should().Be(RtasStatus.Success);

        machine.Unusable(lmbs[1]).Should().Be(RtasStatus.Success);

        machine.Notifications.Unplug.Should().ContainSingle().Which.Should().Match<UnplugEventArgs>(e => e.Outcome == UnplugOutcome.Completed && e.Device == dimm);
    }
}
