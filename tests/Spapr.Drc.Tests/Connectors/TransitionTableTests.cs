using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Connectors;

/// <summary>The published rows of <see cref="DrcTransitionTable"/> are what set-indicator actually does.</summary>
public sealed class TransitionTableTests
{
    public static TheoryData<int, int> Rows()
    {
        var data = new TheoryData<int, int>();
        for (int i = 0; i < DrcTransitionTable.Logical.Length; i++)
        {
            data.Add((int)DrcClass.Logical, i);
        }

        for (int i = 0; i < DrcTransitionTable.Physical.Length; i++)
        {
            data.Add((int)DrcClass.Physical, i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Row_AppliedThroughSetIndicator_GivesRowStatusAndState(int drcClass, int position)
    {
        var row = DrcTransitionTable.For((DrcClass)drcClass)[position];
        using var machine = new Machine();
        var drc = Arrange(machine, row);

        var status = machine.Rtas.SetIndicator((uint)row.Indicator, drc.Index.Value, row.Value);

        status.Should().Be(row.Status, row.ToString());
        drc.State.Should().Be(row.To, row.ToString());
        if ((row.Effects & DrcTransitionEffects.RejectUnplug) != 0)
        {
            drc.IsUnplugPending.Should().BeFalse();
            machine.Notifications.Unplug.Should().ContainSingle(n => n.Outcome == UnplugOutcome.RejectedByGuest);
        }
    }

    public static TheoryData<int, int> ReleaseRows()
    {
        var data = new TheoryData<int, int>();
        foreach (var drcClass in new[] { DrcClass.Logical, DrcClass.Physical })
        {
            var table = DrcTransitionTable.For(drcClass);
            for (int i = 0; i < table.Length; i++)
            {
                if ((table[i].Effects & DrcTransitionEffects.ReleaseIfPending) != 0)
                {
                    data.Add((int)drcClass, i);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReleaseRows))]
    public void Row_ReleaseIfPendingWithUnplugPending_ReleasesTheDevice(int drcClass, int position)
    {
        var row = DrcTransitionTable.For((DrcClass)drcClass)[position];
        using var machine = new Machine();
        var drc = machine.InState(row.Class == DrcClass.Physical ? DrcType.Pci : DrcType.Cpu, 8, row.From, pending: true);

        machine.Rtas.SetIndicator((uint)row.Indicator, drc.Index.Value, row.Value).Should().Be(RtasStatus.Success);

        drc.State.Should().Be(row.To);
        drc.Device.Should().BeNull();
        machine.Notifications.Unplug.Should().ContainSingle(n => n.Outcome == UnplugOutcome.Completed);
    }

    [Fact]
    public void ReleaseRows_AreUnusableFromAvailableAndPhysicalIsolateFromConfigured()
    {
        ReleaseRows().Should().HaveCount(2);
    }

    [Fact]
    public void For_EachClass_CoversOnlyThatClass()
    {
        DrcTransitionTable.Logical.Should().OnlyContain(r => r.Class == DrcClass.Logical);
        DrcTransitionTable.Physical.Should().OnlyContain(r => r.Class == DrcClass.Physical);
        DrcTransitionTable.Physical.Should().NotContain(r => r.Indicator == RtasIndicator.Allocation);
    }

    private static SpaprDrc Arrange(Machine machine, DrcTransitionRule row)
    {
        var type = row.Class == DrcClass.Physical ? DrcType.Pci : DrcType.Cpu;
        return row.Condition switch
        {
            DrcTransitionCondition.NoDevice => machine.InState(type, 8, row.From, device: false),
            DrcTransitionCondition.UnplugPending or DrcTransitionCondition.UnplugPendingWithDevice => machine.InState(type, 8, row.From, pending: true),
            DrcTransitionCondition.IsolateWithoutRequest => machine.InState(DrcType.Lmb, 8, row.From),
            _ => machine.InState(type, 8, row.From, device: true, pending: false),
        };
    }
}
