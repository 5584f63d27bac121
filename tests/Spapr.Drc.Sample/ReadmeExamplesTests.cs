namespace Spapr.Drc.Sample;

/// <summary>
/// Runs the package README's code and checks what it prints, so that its comments (which show the output) stay true.
/// The methods print to the console: the tests capture it, one at a time.
/// </summary>
[Collection(nameof(ConsoleCapture))]
public sealed class ReadmeExamplesTests
{
    [Fact]
    public void QuickStart_Run_PrintsTheHotPlugAndUnplugOfCore1()
    {
        ConsoleCapture.Run(QuickStart.Run).Should().Equal(
            "Add 0x10000001",
            "Requested, request 1",
            "Remove 0x10000001",
            "request 1: CPU 1 Completed");
    }

    [Fact]
    public void ReadmeExamples_UnplugTimeouts_PrintsTheRequestsLife()
    {
        ConsoleCapture.Run(ReadmeExamples.UnplugTimeouts).Should().Equal(
            "Requested, request 1",
            "LMB 8 (0x80000008) unplug is still pending, 20 seconds timeout remaining.",
            "request 1: TimedOut, terminal False",
            "dimm0: request 1; Remove queued, not taken by the guest yet; LMB 8 released, LMB 9-11 held; last guest call unusable LMB 8 -> 0 at +0 s; timed out, still pending",
            "Retried",
            "request 1: Cancelled, terminal True");
    }

    [Fact]
    public void ReadmeExamples_Migration_PrintsTheHeldLmbsAndTheRequest()
    {
        ConsoleCapture.Run(ReadmeExamples.Migration).Should().Equal("0x80000009 0x8000000A 0x8000000B", "1");
    }

    [Fact]
    public void ReadmeExamples_DeviceTree_PrintsCountsAndTokens()
    {
        ConsoleCapture.Run(ReadmeExamples.DeviceTree).Should().Equal(
            "2",
            "1",
            "check-exception = 0x200e",
            "event-scan = 0x200f",
            "set-indicator = 0x201a",
            "get-sensor-state = 0x201d",
            "ibm,configure-connector = 0x201e");
    }
}
