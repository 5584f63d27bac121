using Spapr.Drc.RealGuest.Recording;

namespace Spapr.Drc.RealGuest.Tests.Units;

public sealed class KprobeRecordTests
{
    [Fact]
    public void Parse_KworkerReturnLine_ReadsTaskPidEventAndFields()
    {
        var r = KprobeRecord.Parse(GuestTraceSamples.SensorReturn)!;
        r.Task.Should().Be("kworker/u8:1");
        r.Pid.Should().Be(24);
        r.Event.Should().Be("ret");
        r.Int("rc").Should().Be(0);
        r.UIntArray("v").Should().HaveCount(10);
    }

    [Fact]
    public void Parse_TraceMarker_KeepsTheText()
    {
        var r = KprobeRecord.Parse("              sh-1       [000] .....    12.000001: tracing_mark_write: RG-MARK-3")!;
        r.Event.Should().Be("tracing_mark_write");
        r.Location.Should().Be("RG-MARK-3");
    }

    [Fact]
    public void Parse_NotATraceLine_ReturnsNull() => KprobeRecord.Parse("random console text").Should().BeNull();
}
