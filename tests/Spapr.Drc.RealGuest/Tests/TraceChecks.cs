using Spapr.Drc.RealGuest.Format;

namespace Spapr.Drc.RealGuest.Tests;

/// <summary>The checks every trace gets, committed or fresh: well formed, then its scenario's facts.</summary>
public static class TraceChecks
{
    public static void AssertWellFormedWithFacts(string scenario, string path)
    {
        File.Exists(path).Should().BeTrue($"the {scenario} trace should exist at {path}");
        var trace = TraceDocument.Load(path);
        TraceFormatValidator.Validate(trace).Should().BeEmpty($"{path} should use only the trace format's line kinds and shapes");
        ScenarioCatalog.Facts[scenario](trace).Should().BeEmpty($"{path} should show what the {scenario} scenario is about");
    }
}
