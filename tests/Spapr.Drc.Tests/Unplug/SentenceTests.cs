using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Unplug;

/// <summary>The sentences the library writes for people (finding 6 of the issue "From connectors to devices").</summary>
public sealed class SentenceTests
{
    [Fact]
    public void PendingUnplug_ToString_IsASentenceNamingDeviceRequestAndWaitingLmbs()
    {
        using var machine = new Machine();
        var first = machine.HotAddMemory(8, 4, device: "dimm0");
        var result = machine.Registry.RequestUnplug(first, TimeSpan.FromSeconds(30));
        machine.GuestRelease(DrcIndex.From(DrcType.Lmb, 9));

        var text = machine.Registry.GetPendingUnplugs().Single().ToString();

        text.Should().NotContain("ImmutableArray").And.NotContain("Spapr.Drc");
        text.Should().Be($"dimm0: request {result.RequestId}; Remove queued, not taken by the guest yet; LMB 9 released, LMB 8, 10-11 held; last guest call unusable LMB 9 -> 0 at +0 s; 30 s left");
    }

    [Theory]
    [InlineData(1L, "0.1 µs")]
    [InlineData(10_000L, "1 ms")]
    [InlineData(2_500_000L, "250 ms")]
    [InlineData(10_000_000L, "1 second")]
    [InlineData(150_000_000L, "15 seconds")]
    public void RequestUnplug_ShortTimeout_MessageNeverSaysZeroSeconds(long ticks, string said)
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);

        var result = machine.Registry.RequestUnplug(cpu, TimeSpan.FromTicks(ticks));

        result.Message.Should().EndWith($"timeout {said}.");
    }

    [Fact]
    public void AlreadyPending_UnderASecondLeft_SaysTheFraction()
    {
        using var machine = new Machine();
        var cpu = machine.HotAdd(DrcType.Cpu, 1);
        machine.Registry.RequestUnplug(cpu, TimeSpan.FromSeconds(2));
        machine.Clock.Advance(TimeSpan.FromMilliseconds(1500));

        machine.Registry.RequestUnplug(cpu).Message.Should().Contain("unplug is still pending, 500 ms timeout remaining");
    }
}
