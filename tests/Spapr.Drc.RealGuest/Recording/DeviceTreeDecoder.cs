using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Spapr.Drc.RealGuest.Format;

namespace Spapr.Drc.RealGuest.Recording;

/// <summary>
/// Decodes the device-tree properties the fixtures keep (all big-endian): the root node's ibm,drc-* arrays and
/// the /ibm,dynamic-reconfiguration-memory properties, so a reader sees indexes and LMB flags without a hex dump.
/// The raw hex stays in the fixture; decoding is a convenience and skips what it does not know.
/// </summary>
internal static class DeviceTreeDecoder
{
    public static JsonNode? Decode(string name, string hex)
    {
        byte[] b = Convert.FromHexString(hex);
        try
        {
            return name switch
            {
                "ibm,drc-indexes" => U32List(b, i => TraceFormat.FormatIndex(i)),
                "ibm,drc-power-domains" => U32List(b, i => unchecked((int)i)),
                "ibm,drc-names" or "ibm,drc-types" => StringList(b),
                "ibm,drc-info" => DrcInfo(b),
                "ibm,lmb-size" => (long)BinaryPrimitives.ReadUInt64BigEndian(b),
                "ibm,dynamic-memory-v2" => DynamicMemoryV2(b),
                "ibm,dynamic-memory" => DynamicMemoryV1(b),
                "ibm,associativity-lookup-arrays" => LookupArrays(b),
                _ => null,
            };
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static JsonArray U32List(byte[] b, Func<uint, JsonNode?> map)
    {
        uint count = Be32(b, 0);
        var list = new JsonArray();
        for (int i = 0; i < count; i++)
        {
            list.Add(map(Be32(b, 4 + (4 * i))));
        }

        return list;
    }

    private static JsonArray StringList(byte[] b)
    {
        uint count = Be32(b, 0);
        var list = new JsonArray();
        int at = 4;
        for (int i = 0; i < count; i++)
        {
            list.Add(ReadString(b, ref at));
        }

        return list;
    }

    private static JsonArray DrcInfo(byte[] b)
    {
        uint count = Be32(b, 0);
        var list = new JsonArray();
        int at = 4;
        for (int i = 0; i < count; i++)
        {
            var record = new JsonObject
            {
                ["type"] = ReadString(b, ref at),
                ["name_prefix"] = ReadString(b, ref at),
                ["first_index"] = TraceFormat.FormatIndex(Be32(b, at)),
                ["first_name_suffix"] = (long)Be32(b, at + 4),
                ["count"] = (long)Be32(b, at + 8),
                ["increment"] = (long)Be32(b, at + 12),
                ["power_domain"] = unchecked((int)Be32(b, at + 16)),
            };
            at += 20;
            list.Add(record);
        }

        return list;
    }

    /// <summary>ibm,dynamic-memory-v2: sets of sequential LMBs {count, base (u64), first DRC index, associativity index, flags}.</summary>
    private static JsonArray DynamicMemoryV2(byte[] b)
    {
        uint sets = Be32(b, 0);
        var list = new JsonArray();
        for (int i = 0; i < sets; i++)
        {
            int at = 4 + (24 * i);
            list.Add(new JsonObject
            {
                ["count"] = (long)Be32(b, at),
                ["base"] = Hex64(BinaryPrimitives.ReadUInt64BigEndian(b.AsSpan(at + 4))),
                ["drc"] = TraceFormat.FormatIndex(Be32(b, at + 12)),
                ["aa_index"] = unchecked((int)Be32(b, at + 16)),
                ["flags"] = Hex32(Be32(b, at + 20)),
            });
        }

        return list;
    }

    /// <summary>ibm,dynamic-memory (v1): one entry per LMB {base (u64), DRC index, reserved, associativity index, flags}.</summary>
    private static JsonArray DynamicMemoryV1(byte[] b)
    {
        uint count = Be32(b, 0);
        var list = new JsonArray();
        for (int i = 0; i < count; i++)
        {
            int at = 4 + (24 * i);
            list.Add(new JsonObject
            {
                ["base"] = Hex64(BinaryPrimitives.ReadUInt64BigEndian(b.AsSpan(at))),
                ["drc"] = TraceFormat.FormatIndex(Be32(b, at + 8)),
                ["aa_index"] = unchecked((int)Be32(b, at + 16)),
                ["flags"] = Hex32(Be32(b, at + 20)),
            });
        }

        return list;
    }

    private static JsonObject LookupArrays(byte[] b)
    {
        uint arrays = Be32(b, 0);
        uint entries = Be32(b, 4);
        var list = new JsonArray();
        for (int i = 0; i < arrays; i++)
        {
            var row = new JsonArray();
            for (int j = 0; j < entries; j++)
            {
                row.Add((long)Be32(b, 8 + (4 * ((i * (int)entries) + j))));
            }

            list.Add(row);
        }

        return new JsonObject { ["arrays"] = (long)arrays, ["entries_per_array"] = (long)entries, ["values"] = list };
    }

    private static string ReadString(byte[] b, ref int at)
    {
        int end = Array.IndexOf(b, (byte)0, at);
        if (end < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(b), "unterminated string");
        }

        string s = Encoding.ASCII.GetString(b, at, end - at);
        at = end + 1;
        return s;
    }

    private static uint Be32(byte[] b, int at) => BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(at));

    private static string Hex32(uint v) => "0x" + v.ToString("x8", CultureInfo.InvariantCulture);

    private static string Hex64(ulong v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture);
}
