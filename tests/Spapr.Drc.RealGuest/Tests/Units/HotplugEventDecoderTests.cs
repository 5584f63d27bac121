using System.Buffers.Binary;
using Spapr.Drc.RealGuest.Format;
using Spapr.Drc.RealGuest.Recording;

namespace Spapr.Drc.RealGuest.Tests.Units;

public sealed class HotplugEventDecoderTests
{
    [Theory]
    [InlineData(1, 2, 2, 0x10000001u, 0u, "{\"type\": 1, \"action\": 2, \"identifier\": 2, \"index\": \"0x10000001\", \"count\": null}")]
    [InlineData(2, 1, 3, 3u, 0u, "{\"type\": 2, \"action\": 1, \"identifier\": 3, \"index\": null, \"count\": 3}")]
    [InlineData(2, 2, 4, 2u, 0x80000008u, "{\"type\": 2, \"action\": 2, \"identifier\": 4, \"index\": \"0x80000008\", \"count\": 2}")]
    public void Decode_HotplugLog_ReadsTheHpSection(byte type, byte action, byte identifier, uint first, uint second, string expected)
    {
        JsonLine.Write(HotplugEventDecoder.Decode(Log(type, action, identifier, first, second))).Should().Be(expected);
    }

    [Fact]
    public void Decode_NoHotplugSection_ReturnsNull()
    {
        var log = Log(1, 1, 2, 1, 0);
        log[96] = (byte)'X';
        HotplugEventDecoder.Decode(log).Should().BeNull();
    }

    /// <summary>The 116-byte log of SPEC section 4: sections Main-A at 24 (48 bytes), Main-B at 72 (24), HP at 96 (20).</summary>
    private static byte[] Log(byte type, byte action, byte identifier, uint first, uint second)
    {
        var log = new byte[116];
        BinaryPrimitives.WriteUInt32BigEndian(log, 0x063460E5);
        BinaryPrimitives.WriteUInt32BigEndian(log.AsSpan(4), 108);
        Section(log, 24, 0x5048, 48);
        Section(log, 72, 0x5548, 24);
        Section(log, 96, 0x4850, 20);
        log[104] = type;
        log[105] = action;
        log[106] = identifier;
        BinaryPrimitives.WriteUInt32BigEndian(log.AsSpan(108), first);
        BinaryPrimitives.WriteUInt32BigEndian(log.AsSpan(112), second);
        return log;
    }

    private static void Section(byte[] log, int at, ushort id, ushort length)
    {
        BinaryPrimitives.WriteUInt16BigEndian(log.AsSpan(at), id);
        BinaryPrimitives.WriteUInt16BigEndian(log.AsSpan(at + 2), length);
    }
}
