using System.Buffers.Binary;
using Microsoft.Extensions.Time.Testing;

namespace Spapr.Drc.Tests.Dispatch;

/// <summary>SPEC section 4, binary form, read back: every log check-exception writes parses to its event; nothing else parses.</summary>
public sealed class HotplugEventLogTests
{
    private static readonly DateTimeOffset Start = new(2024, 3, 15, 14, 7, 9, 750, TimeSpan.Zero);

    public static TheoryData<string> Kinds => ["cpu add", "pci remove", "phb add", "pmem add", "memory add by count", "memory add count-indexed", "memory remove count-indexed"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Parse_CheckExceptionLog_RoundTripsTheEvent(string kind)
    {
        var (log, queued) = WrittenLog(kind);

        var parsed = HotplugEventLog.Parse(log);

        (parsed.Type, parsed.Action, parsed.Identifier, parsed.Index, parsed.Count, parsed.LogId)
            .Should().Be((queued.Type, queued.Action, queued.Identifier, queued.Index, queued.Count, queued.LogId));
        parsed.CreatedAt.Should().Be(new DateTimeOffset(2024, 3, 15, 14, 7, 9, TimeSpan.Zero));
    }

    [Fact]
    public void Parse_MemoryAddByCount_HasCountAndNoIndex()
    {
        var parsed = HotplugEventLog.Parse(WrittenLog("memory add by count").Log);

        (parsed.Type, parsed.Identifier, parsed.Index, parsed.Count).Should().Be((HotplugType.Memory, HotplugIdentifier.DrcCount, (DrcIndex?)null, 4u));
    }

    [Fact]
    public void Parse_MemoryRemoveCountIndexed_HasCountAndFirstIndex()
    {
        var parsed = HotplugEventLog.Parse(WrittenLog("memory remove count-indexed").Log);

        (parsed.Action, parsed.Identifier, parsed.Index, parsed.Count).Should().Be((HotplugAction.Remove, HotplugIdentifier.DrcCountIndexed, (DrcIndex?)new DrcIndex(0x8000_0010), 4u));
    }

    [Fact]
    public void Parse_WholeCheckExceptionBuffer_ReadsTheFirst116Bytes()
    {
        var (log, _) = WrittenLog("cpu add");
        var buffer = new byte[2048];
        buffer.AsSpan().Fill(0xA5);
        log.CopyTo(buffer, 0);

        HotplugEventLog.Parse(buffer).Should().Be(HotplugEventLog.Parse(log));
    }

    [Fact]
    public void Parse_SameBytes_GiveEqualLogs()
    {
        var (log, _) = WrittenLog("pci remove");

        HotplugEventLog.Parse(log).Should().Be(HotplugEventLog.Parse(log.ToArray()));
        HotplugEventLog.Parse(log).GetHashCode().Should().Be(HotplugEventLog.Parse(log).GetHashCode());
    }

    /// <summary>QEMU 7.2 writes the log id in host byte order: on x86 its logs still parse, with the id byte-swapped.</summary>
    [Fact]
    public void Parse_LogIdInLittleEndianAsQemuWritesIt_ParsesWithTheIdSwapped()
    {
        var (log, _) = WrittenLog("cpu add");
        BinaryPrimitives.WriteUInt32LittleEndian(log.AsSpan(64), 7);

        HotplugEventLog.Parse(log).LogId.Should().Be(0x0700_0000u);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(115)]
    public void Parse_ShorterThanALog_RefusesSayingTheLength(int length)
    {
        FluentActions.Invoking(() => HotplugEventLog.Parse(new byte[length]))
            .Should().Throw<FormatException>().WithMessage($"Not a hotplug event log: {length} bytes, a hotplug event log has 116.");
    }

    /// <summary>Every fixed byte (ids, lengths, versions, flags, reserved zeros) is checked: flipping any one refuses the log.</summary>
    [Fact]
    public void TryParse_AnyFixedByteFlipped_ReturnsFalse()
    {
        var (log, _) = WrittenLog("memory remove count-indexed");
        var variable = new HashSet<int>([.. Enumerable.Range(32, 7), .. Enumerable.Range(64, 4), 104, 105, 106, .. Enumerable.Range(108, 8)]);

        var accepted = new List<int>();
        for (int i = 0; i < HotplugEventLog.Length; i++)
        {
            if (variable.Contains(i))
            {
                continue;
            }

            var damaged = log.ToArray();
            damaged[i] ^= 0x01;
            if (HotplugEventLog.TryParse(damaged, out _))
            {
                accepted.Add(i);
            }
        }

        accepted.Should().BeEmpty();
    }

    [Theory]
    [InlineData(3, "the summary word (byte 0) is 0x063460E4, a version 6 hotplug event has 0x063460E5.")]
    [InlineData(7, "the extended length (byte 4) is 109, a hotplug event has 108.")]
    [InlineData(8, "byte 8 (v6 header) is 0x87, expected 0x86.")]
    [InlineData(23, "byte 23 (v6 header) is 0x01, expected 0x00.")]
    [InlineData(24, "byte 24 (Main-A section +0) is 0x51, expected 0x50.")]
    [InlineData(39, "byte 39 (Main-A section +15) is 0x01, expected 0x00.")]
    [InlineData(51, "byte 51 (Main-A section +27) is 0x02, expected 0x03.")]
    [InlineData(80, "byte 80 (Main-B section +8) is 0x81, expected 0x80.")]
    [InlineData(100, "byte 100 (HP section +4) is 0x00, expected 0x01.")]
    [InlineData(107, "byte 107 (HP section +11) is 0x01, expected 0x00.")]
    public void Parse_DamagedFixedField_RefusesNamingTheByte(int flipAt, string message)
    {
        var (log, _) = WrittenLog("cpu add");
        log[flipAt] ^= 0x01;

        FluentActions.Invoking(() => HotplugEventLog.Parse(log)).Should().Throw<FormatException>().WithMessage("Not a hotplug event log: " + message);
    }

    [Theory]
    [InlineData(104, 3, "hotplug type 3 (byte 104) is none of*")]
    [InlineData(104, 0, "hotplug type 0 (byte 104)*")]
    [InlineData(105, 0, "action 0 (byte 105) is neither add 1 nor remove 2.")]
    [InlineData(105, 3, "action 3 (byte 105)*")]
    [InlineData(106, 1, "identifier 1 (byte 106) is none of drc-index 2, drc-count 3, drc-count-indexed 4.")]
    [InlineData(106, 5, "identifier 5 (byte 106)*")]
    public void Parse_UnknownKind_Refuses(int offset, byte value, string message)
    {
        var (log, _) = WrittenLog("cpu add");
        log[offset] = value;

        FluentActions.Invoking(() => HotplugEventLog.Parse(log)).Should().Throw<FormatException>().WithMessage("Not a hotplug event log: " + message);
    }

    [Theory]
    [InlineData("cpu add", 108, 0x8000_0001u, "the payload index 0x80000001 is not the index of a Cpu connector, which a Cpu event names.")]
    [InlineData("cpu add", 108, 0x3000_0001u, "the payload index 0x30000001 is not the index of a Cpu connector*")]
    [InlineData("cpu add", 108, 0xF000_0001u, "the payload index 0xF0000001*")]
    [InlineData("cpu add", 112, 1u, "the second payload word (byte 112) is 0x00000001; only a count-indexed payload has one.")]
    [InlineData("memory add by count", 112, 0x8000_0010u, "the second payload word (byte 112)*")]
    [InlineData("memory add by count", 108, 0u, "the count (byte 108) is 0.")]
    [InlineData("memory remove count-indexed", 108, 0u, "the count (byte 108) is 0.")]
    [InlineData("memory remove count-indexed", 112, 0x1000_0010u, "the payload index 0x10000010 is not the index of a Lmb connector, which a Memory event names.")]
    public void Parse_DamagedPayload_Refuses(string kind, int offset, uint value, string message)
    {
        var (log, _) = WrittenLog(kind);
        BinaryPrimitives.WriteUInt32BigEndian(log.AsSpan(offset), value);

        FluentActions.Invoking(() => HotplugEventLog.Parse(log)).Should().Throw<FormatException>().WithMessage("Not a hotplug event log: " + message);
    }

    [Theory]
    [InlineData(0x2024_0230u, 0x1407_0900u, "the creation date and time 2024-02-30 14:07:09 (bytes 32-39) do not exist.")]
    [InlineData(0x2024_1301u, 0x1407_0900u, "*2024-13-01*do not exist.")]
    [InlineData(0x2024_0300u, 0x1407_0900u, "*2024-03-00*")]
    [InlineData(0x0000_0101u, 0x1407_0900u, "*0000-01-01*")]
    [InlineData(0x2024_0315u, 0x2400_0000u, "*24:00:00*")]
    [InlineData(0x2024_0315u, 0x1460_0000u, "*14:60:00*")]
    [InlineData(0x2024_0315u, 0x1407_6000u, "*14:07:60*")]
    [InlineData(0x2024_031Au, 0x1407_0900u, "the creation date 0x2024031A (byte 32) or time 0x14070900 (byte 36) is not BCD 0xCCYYMMDD / 0xHHMMSS00.")]
    [InlineData(0x2024_0315u, 0x14F7_0900u, "*is not BCD*")]
    public void Parse_BadCreationDateOrTime_Refuses(uint date, uint time, string message)
    {
        var (log, _) = WrittenLog("cpu add");
        BinaryPrimitives.WriteUInt32BigEndian(log.AsSpan(32), date);
        BinaryPrimitives.WriteUInt32BigEndian(log.AsSpan(36), time);

        FluentActions.Invoking(() => HotplugEventLog.Parse(log)).Should().Throw<FormatException>().WithMessage("Not a hotplug event log: " + message);
    }

    [Fact]
    public void Parse_LeapDay_IsAccepted()
    {
        var (log, _) = WrittenLog("cpu add");
        BinaryPrimitives.WriteUInt32BigEndian(log.AsSpan(32), 0x2024_0229);

        HotplugEventLog.Parse(log).CreatedAt.Should().Be(new DateTimeOffset(2024, 2, 29, 14, 7, 9, TimeSpan.Zero));
    }

    [Fact]
    public void TryParse_NotALog_ReturnsFalseAndNull()
    {
        HotplugEventLog.TryParse(new byte[116], out var log).Should().BeFalse();
        log.Should().BeNull();
    }

    [Fact]
    public void TryParse_ALog_ReturnsTrueAndTheLog()
    {
        HotplugEventLog.TryParse(WrittenLog("phb add").Log, out var log).Should().BeTrue();
        log!.Type.Should().Be(HotplugType.Phb);
    }

    [Theory]
    [InlineData("cpu add", "add cpu by drc-index 0x10000001 (log id 1, created 2024-03-15 14:07:09Z)")]
    [InlineData("memory add by count", "add memory by count 4 (log id 1, created 2024-03-15 14:07:09Z)")]
    [InlineData("memory remove count-indexed", "remove memory count-indexed 4 from 0x80000010 (log id 1, created 2024-03-15 14:07:09Z)")]
    public void ToString_Log_SaysWhatItAnnounces(string kind, string text) =>
        HotplugEventLog.Parse(WrittenLog(kind).Log).ToString().Should().Be(text);

    /// <summary>The log check-exception writes for one event of the given kind, and the event as the queue held it.</summary>
    private static (byte[] Log, HotplugEvent Queued) WrittenLog(string kind)
    {
        using var registry = new DrcRegistry(timeProvider: new FakeTimeProvider(Start));
        switch (kind)
        {
            case "cpu add":
                registry.CreateConnector(DrcType.Cpu, 1);
                registry.Attach(DrcIndex.From(DrcType.Cpu, 1), "core1", null, PlugMode.Hot);
                break;
            case "pci remove":
                registry.CreateConnector(DrcType.Pci, 0x20);
                registry.Attach(DrcIndex.From(DrcType.Pci, 0x20), "nic", null, PlugMode.Cold);
                registry.RequestUnplug(DrcIndex.From(DrcType.Pci, 0x20)).Accepted.Should().BeTrue();
                break;
            case "phb add":
                registry.CreateConnector(DrcType.Phb, 1);
                registry.Attach(DrcIndex.From(DrcType.Phb, 1), "phb1", null, PlugMode.Hot);
                break;
            case "pmem add":
                registry.CreateConnector(DrcType.Pmem, 2);
                registry.Attach(DrcIndex.From(DrcType.Pmem, 2), "nvdimm", null, PlugMode.Hot);
                break;
            case "memory add by count":
                registry.CreateConnectors(DrcType.Lmb, 0x10, 4);
                registry.AttachMemoryDevice(DrcIndex.From(DrcType.Lmb, 0x10), 4, "dimm", null, PlugMode.Hot);
                break;
            case "memory add count-indexed":
                registry.CreateConnectors(DrcType.Lmb, 0x10, 4);
                registry.NegotiateClientArchitecture();
                registry.AttachMemoryDevice(DrcIndex.From(DrcType.Lmb, 0x10), 4, "dimm", null, PlugMode.Hot);
                break;
            default:
                registry.CreateConnectors(DrcType.Lmb, 0x10, 4);
                registry.AttachMemoryDevice(DrcIndex.From(DrcType.Lmb, 0x10), 4, "dimm", null, PlugMode.Cold);
                registry.RequestUnplug(DrcIndex.From(DrcType.Lmb, 0x11)).Accepted.Should().BeTrue();
                break;
        }

        var log = new byte[DrcRtas.EventLogSize];
        registry.Rtas.CheckException(0xFFFF_FFFF, log, out var queued).Should().Be(RtasStatus.Success);
        registry.GetQueuedEvents().Should().BeEmpty();
        return (log, queued!);
    }
}
