using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Tests;

/// <summary>save / load: the snapshot of SPEC section 7 into a fresh registry, as a migration.</summary>
public sealed class SnapshotCommandTests
{
    [Fact]
    public void Load_PendingUnplug_ResumesWithTimeLeft()
    {
        var run = SimHarness.Run("""
            connector cpu 0 2
            plug cpu 1 cold
            unplug cpu 1
            advance 6s
            save
            load
            show cpu 1
            expect unplug pending (9.000s left)
            advance 9s
            expect 15.000s  * unplug-timed-out
            """);

        run.Error.Should().BeEmpty();
        run.Exit.Should().Be(ScenarioRunner.ExitOk);
    }

    [Fact]
    public void Load_GuestTookAHotPluggedDevice_KeepsItsState()
    {
        var run = SimHarness.Run("""
            connector pci 8
            plug pci 8
            rtas set-indicator isolation 0x40000008 1
            save
            load
            show pci 8
            expect state 7 PhysicalUnisolate, device pci8
            """);

        run.Error.Should().BeEmpty();
        run.Exit.Should().Be(ScenarioRunner.ExitOk);
    }

    [Fact]
    public void Load_DimmWithOneLmbReleased_LoadsWithTheUnplugPendingOnTheOthers()
    {
        // The device keeps a released LMB until its removal ends; the destination attaches it over all four.
        var run = SimHarness.Run("""
            connector lmb 8 4
            plug lmb 8 lmbs 4 cold as dimm0
            unplug dimm0
            guest remove lmb 9
            save
            load
            expect 1 unplugs pending
            show lmb 10
            expect unplug pending
            """);

        run.Error.Should().BeEmpty();
        run.Exit.Should().Be(ScenarioRunner.ExitOk);
    }

    [Fact]
    public void Load_WithoutSave_ExitsTwo()
    {
        var run = SimHarness.Run("connector cpu 0\nload\n", source: "s.drc");

        run.Exit.Should().Be(ScenarioRunner.ExitMalformed);
        run.Error.Should().StartWith("s.drc:2: load needs a save before it");
    }
}
