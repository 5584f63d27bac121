using Spapr.Drc.Tests.Support;
using static Spapr.Drc.Tests.Events.ByteText;

namespace Spapr.Drc.Tests.Events;

/// <summary>
/// SPEC section 4, binary form: every expected log below is written out by hand from the SPEC's offsets, word by word:
/// header (0), v6 header (8), Main-A (24), Main-B (72), HP section (96) with its payload at 108.
/// </summary>
public sealed class RtasEventLogTests
{
    private const uint AnyClass = 0xFFFF_FFFF;

    private static readonly DateTimeOffset March15 = new(2024, 3, 15, 14, 7, 9, TimeSpan.Zero);

    [Fact]
    public void CheckException_CpuHotPlug_WritesAddByIndexLog()
    {
        using var machine = new Machine(start: March15);
        var registry = machine.Registry;
        var clock = machine.Clock;
        registry.CreateConnector(DrcType.Cpu, 8);
        registry.Attach(new DrcIndex(0x1000_0008), new object(), null, PlugMode.Hot);

        var log = new byte[DrcRtas.EventLogSize];
        registry.Rtas.CheckException(AnyClass, log, out _).Should().Be(RtasStatus.Success);

        log.Should().Equal(Hex("""
            063460E5 0000006C
            86008E00 00000000 00000000 49424D00
            50480030 00000000 20240315 14070900 00000000 00000000 48000003 00000000 00000000 00000000 00000001 00000000
            55480018 00000000 80000000 00000000 00000000 00000000
            48500014 01000000 01010200 10000008 00000000
            """));
    }

    [Fact]
    public void CheckException_MemoryDeviceUnplug_WritesRemoveCountIndexedLog()
    {
        using var machine = new Machine(start: March15);
        var registry = machine.Registry;
        var clock = machine.Clock;
        registry.CreateConnectors(DrcType.Lmb, 0x10, 4);
        registry.AttachMemoryDevice(new DrcIndex(0x8000_0010), 4, new object(), null, PlugMode.Cold);
        registry.RequestUnplug(new DrcIndex(0x8000_0012)).Status.Should().Be(UnplugRequestStatus.Requested);

        var log = new byte[DrcRtas.EventLogSize];
        registry.Rtas.CheckException(AnyClass, log, out _).Should().Be(RtasStatus.Success);

        log.Should().Equal(Hex("""
            063460E5 0000006C
            86008E00 00000000 00000000 49424D00
            50480030 00000000 20240315 14070900 00000000 00000000 48000003 00000000 00000000 00000000 00000001 00000000
            55480018 00000000 80000000 00000000 00000000 00000000
            48500014 01000000 02020400 00000004 80000010
            """));
    }

    [Fact]
    public void CheckException_PciUnplug_WritesRemoveByIndexLog()
    {
        using var machine = new Machine(start: March15);
        var registry = machine.Registry;
        var clock = machine.Clock;
        registry.CreateConnector(DrcType.Pci, 0x20);
        registry.Attach(new DrcIndex(0x4000_0020), new object(), null, PlugMode.Cold);
        registry.RequestUnplug(new DrcIndex(0x4000_0020)).Status.Should().Be(UnplugRequestStatus.Requested);

        var log = new byte[DrcRtas.EventLogSize];
        registry.Rtas.CheckException(AnyClass, log, out _).Should().Be(RtasStatus.Success);

        log.Should().Equal(Hex("""
            063460E5 0000006C
            86008E00 00000000 00000000 49424D00
            50480030 00000000 20240315 14070900 00000000 00000000 48000003 00000000 00000000 00000000 00000001 00000000
            55480018 00000000 80000000 00000000 00000000 00000000
            48500014 01000000 05020200 40000020 00000000
            """));
    }

    [Fact]
    public void CheckException_MemoryHotPlugBeforeNegotiation_WritesAddByCountLog()
    {
        using var machine = new Machine(start: March15);
        var registry = machine.Registry;
        var clock = machine.Clock;
        registry.CreateConnectors(DrcType.Lmb, 0x10, 4);
        registry.AttachMemoryDevice(new DrcIndex(0x8000_0010), 4, new object(), null, PlugMode.Hot);

        var log = new byte[DrcRtas.EventLogSize];
        registry.Rtas.CheckException(AnyClass, log, out _).Should().Be(RtasStatus.Success);

        log.Should().Equal(Hex("""
            063460E5 0000006C
            86008E00 00000000 00000000 49424D00
            50480030 00000000 20240315 14070900 00000000 00000000 48000003 00000000 00000000 00000000 00000001 00000000
            55480018 00000000 80000000 00000000 00000000 00000000
            48500014 01000000 02010300 00000004 00000000
            """));
    }

    [Fact]
    public void CheckException_MemoryHotPlugAfterNegotiation_WritesAddCountIndexedLog()
    {
        using var machine = new Machine(start: March15);
        var registry = machine.Registry;
        var clock = machine.Clock;
        registry.CreateConnectors(DrcType.Lmb, 0x10, 4);
        registry.NegotiateClientArchitecture();
        registry.AttachMemoryDevice(new DrcIndex(0x8000_0010), 4, new object(), null, PlugMode.Hot);

        var log = new byte[DrcRtas.EventLogSize];
        registry.Rtas.CheckException(AnyClass, log, out _).Should().Be(RtasStatus.Success);

        log.Should().Equal(Hex("""
            063460E5 0000006C
            86008E00 00000000 00000000 49424D00
            50480030 00000000 20240315 14070900 00000000 00000000 48000003 00000000 00000000 00000000 00000001 00000000
            55480018 00000000 80000000 00000000 00000000 00000000
            48500014 01000000 02010400 00000004 80000010
            """));
    }

    [Fact]
    public void CheckException_EventsAcrossYearMonthAndDayBoundary_WriteBcdDateAndTimeOfEachEvent()
    {
        using var machine = new Machine(start: new DateTimeOffset(2099, 12, 31, 23, 59, 59, TimeSpan.Zero));
        var registry = machine.Registry;
        var clock = machine.Clock;
        registry.CreateConnectors(DrcType.Cpu, 1, 2);
        registry.Attach(new DrcIndex(0x1000_0001), new object(), null, PlugMode.Hot);
        clock.Advance(TimeSpan.FromSeconds(1));
        registry.Attach(new DrcIndex(0x1000_0002), new object(), null, PlugMode.Hot);

        var first = new byte[DrcRtas.EventLogSize];
        var second = new byte[DrcRtas.EventLogSize];
        registry.Rtas.CheckException(AnyClass, first, out _).Should().Be(RtasStatus.Success);
        registry.Rtas.CheckException(AnyClass, second, out _).Should().Be(RtasStatus.Success);

        first.Should().Equal(Hex("""
            063460E5 0000006C
            86008E00 00000000 00000000 49424D00
            50480030 00000000 20991231 23595900 00000000 00000000 48000003 00000000 00000000 00000000 00000001 00000000
            55480018 00000000 80000000 00000000 00000000 00000000
            48500014 01000000 01010200 10000001 00000000
            """));
        second.Should().Equal(Hex("""
            063460E5 0000006C
            86008E00 00000000 00000000 49424D00
            50480030 00000000 21000101 00000000 00000000 00000000 48000003 00000000 00000000 00000000 00000002 00000000
            55480018 00000000 80000000 00000000 00000000 00000000
            48500014 01000000 01010200 10000002 00000000
            """));
    }

    [Fact]
    public void CheckException_LogTakenLaterThanQueued_CarriesTheTimeTheEventWasQueued()
    {
        using var machine = new Machine(start: new DateTimeOffset(2024, 2, 29, 9, 30, 5, TimeSpan.Zero));
        var registry = machine.Registry;
        var clock = machine.Clock;
        registry.CreateConnector(DrcType.Cpu, 1);
        registry.Attach(new DrcIndex(0x1000_0001), new object(), null, PlugMode.Hot);
        clock.Advance(TimeSpan.FromHours(20));

        var log = new byte[DrcRtas.EventLogSize];
        registry.Rtas.CheckException(AnyClass, log, out _).Should().Be(RtasStatus.Success);

        log.AsSpan(32, 8).ToArray().Should().Equal(Hex("20240229 09300500"));
    }

    [Fact]
    public void CheckException_ManyEvents_PlatformLogIdIncrementsByOneAndIsBigEndian()
    {
        var options = new DrcOptions().SetUnplugTimeout(DrcType.Cpu, Timeout.InfiniteTimeSpan);
        using var machine = new Machine(options, start: March15);
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Cpu, 8);
        registry.Attach(new DrcIndex(0x1000_0008), new object(), null, PlugMode.Cold);

        // Without a timeout every repeated CPU request re-queues its Remove: 0x102 events.
        for (int i = 0; i < 0x102; i++)
        {
            registry.RequestUnplug(new DrcIndex(0x1000_0008)).Accepted.Should().BeTrue();
        }

        var ids = new List<byte[]>();
        var log = new byte[DrcRtas.EventLogSize];
        while (registry.Rtas.CheckException(AnyClass, log, out _) == RtasStatus.Success)
        {
            ids.Add(log.AsSpan(64, 4).ToArray());
        }

        ids.Should().HaveCount(0x102);
        ids[0].Should().Equal(Hex("00000001"));
        ids[0xFF].Should().Equal(Hex("00000100"));
        ids[0x101].Should().Equal(Hex("00000102"));
    }

    [Fact]
    public void CheckException_BufferLargerThanLog_LeavesBytesAfterTheLogUntouched()
    {
        using var machine = new Machine(start: March15);
        var registry = machine.Registry;
        registry.CreateConnector(DrcType.Cpu, 1);
        registry.Attach(new DrcIndex(0x1000_0001), new object(), null, PlugMode.Hot);
        var buffer = new byte[200];
        buffer.AsSpan().Fill(0xA5);

        registry.Rtas.CheckException(AnyClass, buffer, out _).Should().Be(RtasStatus.Success);

        buffer.AsSpan(0, 4).ToArray().Should().Equal(Hex("063460E5"));
        buffer.AsSpan(116).ToArray().Should().OnlyContain(b => b == 0xA5);
    }
}
