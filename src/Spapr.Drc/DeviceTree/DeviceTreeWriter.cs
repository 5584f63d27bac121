using System.Buffers.Binary;
using System.Text;

namespace Spapr.Drc;

/// <summary>Builds the ibm,drc-* properties of SPEC section 8 from a registry's connectors.</summary>
internal static class DeviceTreeWriter
{
    public const uint PowerDomainLiveInsertion = 0xFFFF_FFFF;

    public static DrcDeviceTreeProperties Properties(IReadOnlyList<SpaprDrc> connectors)
    {
        var indexes = new List<byte>();
        var domains = new List<byte>();
        var names = new List<byte>();
        var types = new List<byte>();
        uint count = (uint)connectors.Count;
        AppendU32(indexes, count);
        AppendU32(domains, count);
        AppendU32(names, count);
        AppendU32(types, count);
        foreach (var drc in connectors)
        {
            AppendU32(indexes, drc.Index.Value);
            AppendU32(domains, PowerDomainLiveInsertion);
            AppendString(names, drc.Name);
            AppendString(types, drc.Kind.DeviceTreeType);
        }

        return new DrcDeviceTreeProperties([.. indexes], [.. domains], [.. names], [.. types]);
    }

    /// <summary><c>ibm,drc-info</c>: one record per run of sequential indexes (and ids) of one type.</summary>
    public static byte[] DrcInfo(IReadOnlyList<SpaprDrc> connectors)
    {
        var runs = new List<(SpaprDrc First, uint Count)>();
        foreach (var drc in connectors)
        {
            if (runs.Count > 0)
            {
                var (first, n) = runs[^1];
                if (first.Kind == drc.Kind && first.Index.Value + n == drc.Index.Value)
                {
                    runs[^1] = (first, n + 1);
                    continue;
                }
            }

            runs.Add((drc, 1));
        }

        var bytes = new List<byte>();
        AppendU32(bytes, (uint)runs.Count);
        foreach (var (first, n) in runs)
        {
            AppendString(bytes, first.Kind.DeviceTreeType);
            AppendString(bytes, first.Kind.NamePrefix);
            AppendU32(bytes, first.Index.Value);
            AppendU32(bytes, first.Id);
            AppendU32(bytes, n);
            AppendU32(bytes, 1);
            AppendU32(bytes, PowerDomainLiveInsertion);
        }

        return [.. bytes];
    }

    private static void AppendU32(List<byte> bytes, uint value)
    {
        Span<byte> cell = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(cell, value);
        bytes.AddRange(cell);
    }

    private static void AppendString(List<byte> bytes, string value)
    {
        bytes.AddRange(Encoding.ASCII.GetBytes(value));
        bytes.Add(0);
    }
}
