using Spapr.Drc.RealGuest.Format;

namespace Spapr.Drc.RealGuest.Tests;

/// <summary>The committed traces, without QEMU: they parse, follow the format, and show each scenario's facts.</summary>
public sealed class CommittedTraceTests
{
    public static TheoryData<string> Scenarios => [.. ScenarioCatalog.Names];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Trace_Committed_IsWellFormedAndShowsTheScenario(string scenario) =>
        TraceChecks.AssertWellFormedWithFacts(scenario, CommittedFiles.Trace(scenario));

    [Fact]
    public void TracesFolder_Committed_HoldsExactlyTheSixScenarios() =>
        Directory.GetFiles(CommittedFiles.TracesDirectory, "*.jsonl").Select(Path.GetFileName)
            .Should().BeEquivalentTo(ScenarioCatalog.Names.Select(ScenarioCatalog.FileName));

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void MachineLine_Committed_IsQemu72AndLinux61(string scenario)
    {
        var machine = TraceDocument.Load(CommittedFiles.Trace(scenario)).Machine!;
        machine["qemu"]!.GetValue<string>().Should().StartWith("7.2.");
        machine["kernel"]!.GetValue<string>().Should().MatchRegex(@"^6\.1\.0-\d+-powerpc64le$");
        machine["lmb_mb"]!.GetValue<int>().Should().Be(256);
        machine["negotiated"]!.GetValue<bool>().Should().BeTrue("Linux 6.1 negotiates hotplug events at client-architecture-support");
    }

    [Fact]
    public void RefusedCpuTrace_Committed_HasGuestErrorBeforeTheRetry()
    {
        var q = new TraceQuery(TraceDocument.Load(CommittedFiles.Trace(ScenarioCatalog.CpuUnplugRefusedThenRetried)));
        var dels = q.HostLines(TraceFormat.DeviceDel);
        q.QmpLines(TraceFormat.DeviceUnplugGuestError, null, dels[0], dels[1]).Should().NotBeEmpty();
    }

    [Fact]
    public void FirstLmbTrace_Committed_HasNoDrcCallAfterDeviceDelAndNoDeviceDeleted()
    {
        var q = new TraceQuery(TraceDocument.Load(CommittedFiles.Trace(ScenarioCatalog.DimmRefusedFirstLmb)));
        int del = q.HostLines(TraceFormat.DeviceDel).Single();
        q.RtasLines(del).Where(i => TraceQuery.Text(q[i]["rtas"]) != TraceFormat.CheckException).Should().BeEmpty();
        q.QmpLines(TraceFormat.DeviceDeleted, null, del).Should().BeEmpty();
    }

    [Fact]
    public void GuestLmbRemoveTrace_Committed_HasAnIsolateAnsweredMinusOne()
    {
        var q = new TraceQuery(TraceDocument.Load(CommittedFiles.Trace(ScenarioCatalog.GuestLmbRemove)));
        q.RtasLines(call: TraceFormat.SetIndicator)
            .Select(i => q[i])
            .Should().Contain(l => l["args"]![0]!.GetValue<int>() == TraceFormat.IsolationStateIndicator
                && l["args"]![2]!.GetValue<int>() == 0
                && l["rets"]![0]!.GetValue<int>() == -1);
    }
}
