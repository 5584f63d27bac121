using Spapr.Drc.Sim.Runner;

namespace Spapr.Drc.Sim.Tests;

/// <summary>SPEC section 9: a malformed line is an error with file:line, never a crash.</summary>
public sealed class MalformedInputTests
{
    [Theory]
    [InlineData("connector cpu 0\nfrobnicate cpu 0\n", "bad.drc:2: unknown command 'frobnicate'")]
    [InlineData("connector cpu\n", "bad.drc:1: missing argument: expected a connector id")]
    [InlineData("connector cpu 0\nplug\n", "bad.drc:2: missing argument: expected a connector type")]
    [InlineData("connector cpu 0x1G\n", "bad.drc:1: bad number '0x1G' for a connector id")]
    [InlineData("connector cpu 0\nadvance 15parsecs\n", "bad.drc:2: bad duration '15parsecs'")]
    [InlineData("advance s\n", "bad.drc:1: bad duration 's'")]
    [InlineData("machine cpu-timeout=soon\n", "bad.drc:1: bad duration 'soon'")]
    [InlineData("connector gpu 0\n", "bad.drc:1: unknown connector type 'gpu' (expected cpu, phb, pci, lmb, pmem)")]
    [InlineData("connector cpu 0x10000000\n", "bad.drc:1: connector id 0x10000000 does not fit in 28 bits")]
    [InlineData("show cpu 1 2\n", "bad.drc:1: unexpected '2' after show")]
    [InlineData("rtas set-indicator isolation 0x10000000\n", "bad.drc:1: missing argument: expected an indicator value")]
    [InlineData("rtas reboot\n", "bad.drc:1: unknown RTAS call 'reboot'")]
    [InlineData("guest dance cpu 1\n", "bad.drc:1: unknown guest action 'dance'")]
    [InlineData("machine timeout-action=forever\n", "bad.drc:1: bad timeout-action 'forever'")]
    [InlineData("expect\n", "bad.drc:1: expect needs the text to look for")]
    public void Run_MalformedLine_ExitsTwoWithFileAndLine(string scenario, string message)
    {
        var run = SimHarness.Run(scenario, source: "bad.drc");

        run.Exit.Should().Be(ScenarioRunner.ExitMalformed);
        run.Error.Should().StartWith(message);
    }

    [Fact]
    public void Run_MalformedLineAfterValidOnes_RunsNothing()
    {
        var run = SimHarness.Run("connector cpu 0\nshow\nbogus\n", source: "bad.drc");

        run.Exit.Should().Be(ScenarioRunner.ExitMalformed);
        run.Output.Should().BeEmpty("the whole file is parsed before anything runs");
    }

    [Theory]
    [InlineData("connector cpu 0\nguest add cpu 7\n", "bad.drc:2: no connector cpu 7 (0x10000007) on this machine")]
    [InlineData("connector cpu 0\nunplug cpu 9\n", "bad.drc:2: no connector cpu 9 (0x10000009) on this machine")]
    [InlineData("show lmb 16\n", "bad.drc:1: no connector lmb 16 (0x80000010) on this machine")]
    [InlineData("connector lmb 16 2\nplug lmb 16 lmbs 4\n", "bad.drc:2: no connector lmb 18 (0x80000012) on this machine")]
    [InlineData("connector cpu 0\nunplug core9\n", "bad.drc:2: no device named 'core9'")]
    [InlineData("connector cpu 0\nconnector cpu 0\n", "bad.drc:2: ")]
    public void Run_UnknownConnectorOrDevice_ExitsTwoWithFileAndLine(string scenario, string message)
    {
        var run = SimHarness.Run(scenario, source: "bad.drc");

        run.Exit.Should().Be(ScenarioRunner.ExitMalformed);
        run.Error.Should().StartWith(message);
    }

    [Fact]
    public void Run_RtasOnUnknownIndex_IsAGuestCallReturningParameterError()
    {
        // Raw RTAS lines replay guest input: an unknown index is a status code, not a scenario error (SPEC section 4).
        var run = SimHarness.Run("rtas set-indicator isolation 0x10000005 1\nexpect -3 (ParameterError)\n");

        run.Exit.Should().Be(ScenarioRunner.ExitOk);
    }

    [Fact]
    public void Run_FailedExpect_ExitsOneWithExpectedAndActual()
    {
        var run = SimHarness.Run("connector cpu 0 2\nplug cpu 1 cold\nunplug cpu 1\nexpect completed-immediately\n", source: "x.drc");

        run.Exit.Should().Be(ScenarioRunner.ExitExpectFailed);
        run.Error.Should().StartWith("x.drc:4: expect failed")
            .And.Contain("expected: completed-immediately")
            .And.Contain("actual output of line 3:")
            .And.Contain("requested: CPU 1 (0x10000001) unplug requested");
    }

    [Fact]
    public void Run_FailedExpect_StopsTheScenario()
    {
        var run = SimHarness.Run("connector cpu 0\nexpect nothing like this\nconnector cpu 1\n");

        run.Exit.Should().Be(ScenarioRunner.ExitExpectFailed);
        run.Output.Should().NotContain("CPU 1");
    }

    [Fact]
    public void Run_ExpectFirst_ExitsTwo()
    {
        var run = SimHarness.Run("expect something\n", source: "e.drc");

        run.Exit.Should().Be(ScenarioRunner.ExitMalformed);
        run.Error.Should().StartWith("e.drc:1: expect has no command before it");
    }

    [Fact]
    public void Run_CommentsAndBlankLines_AreIgnored()
    {
        var run = SimHarness.Run("# a comment\n\n   connector cpu 0   # trailing comment\nexpect created CPU 0\n");

        run.Exit.Should().Be(ScenarioRunner.ExitOk);
    }

    [Theory]
    [InlineData("advance 250ms\nexpect now 0.250s\n")]
    [InlineData("advance 2m\nexpect now 120.000s\n")]
    [InlineData("advance 1.5s\nexpect now 1.500s\n")]
    public void Run_Durations_ParseUnits(string scenario)
    {
        SimHarness.Run(scenario).Exit.Should().Be(ScenarioRunner.ExitOk);
    }

    [Theory]
    [InlineData("connector cpu 16\nshow cpu 0x10\nexpect CPU 16 (0x10000010)\n")]
    [InlineData("connector cpu 16\nrtas get-sensor-state entity-sense 268435472\nexpect 0 (Success), value 2 (Unusable)\n")]
    public void Run_Numbers_HexOrDecimal(string scenario)
    {
        SimHarness.Run(scenario).Exit.Should().Be(ScenarioRunner.ExitOk);
    }
}
