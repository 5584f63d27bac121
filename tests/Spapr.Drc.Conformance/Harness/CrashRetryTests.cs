using Spapr.Drc.Conformance.Qemu;
using Spapr.Drc.Conformance.Twin;
using Xunit.Sdk;

namespace Spapr.Drc.Conformance.Harness;

/// <summary>
/// QEMU 7.2 crashed under a scenario once in CI (heap corruption on a device_del); the harness runs such a test once
/// more on a fresh QEMU, and only then.
/// </summary>
public sealed class CrashRetryTests
{
    private static int s_runs;

    [QemuFact]
    public void QemuKilledUnderTheFirstRun_TheTestRunsAgainOnAFreshQemu()
    {
        int run = Interlocked.Increment(ref s_runs);
        using var twin = PseriesTwin.Start();
        if (run == 1)
        {
            twin.Qemu.Kill();
        }

        twin.Step("device_add core1", s => s.AddCore("core1", 1)).Should().Be(HostOutcome.Ok);
        run.Should().Be(2, "the first run's QEMU was killed, so only a second run gets here");
    }

    private static int s_theoryRuns;

    [QemuTheory]
    [InlineData(1)]
    public void QemuKilledUnderATheoryRow_TheRowRunsAgainOnAFreshQemu(int core)
    {
        int run = Interlocked.Increment(ref s_theoryRuns);
        using var twin = PseriesTwin.Start();
        if (run == 1)
        {
            twin.Qemu.Kill();
        }

        twin.Step($"device_add core{core}", s => s.AddCore($"core{core}", core)).Should().Be(HostOutcome.Ok);
        run.Should().Be(2, "the first run's QEMU was killed, so only a second run gets here");
    }

    [Fact]
    public void OnlyACrashIsRetried()
    {
        string crash = typeof(QemuCrashedException).FullName!;
        string disagreement = typeof(XunitException).FullName!;

        DelayedMessageBus.OnlyCrashes([[crash]]).Should().BeTrue();
        DelayedMessageBus.OnlyCrashes([["CsCheck.CsCheckException", crash]]).Should().BeTrue("a crash inside a generated sequence is still a crash");
        DelayedMessageBus.OnlyCrashes([[disagreement]]).Should().BeFalse();
        DelayedMessageBus.OnlyCrashes([[crash], [disagreement]]).Should().BeFalse();
        DelayedMessageBus.OnlyCrashes([]).Should().BeFalse("nothing failed");
    }
}
