using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;

namespace Spapr.Drc;

/// <summary>
/// A snapshot checked for everything that does not depend on the destination: header, checksum, section framing,
/// field ranges, record order. Its records are immutable flat structs in pooled arrays (nothing is allocated per
/// record); <see cref="SnapshotValidator"/> checks them against the destination into a separate <see cref="SnapshotPlan"/>.
/// </summary>
internal sealed partial class ParsedSnapshot : IDisposable
{
    private ParsedSnapshot()
    {
    }

    public int MachineOffset { get; private set; } = -1;

    public uint NextLogId { get; private set; }

    public long NextRequestId { get; private set; }

    public uint ConnectorCount { get; private set; }

    public uint DeviceCount { get; private set; }

    public bool Negotiated { get; private set; }

    public ConnectorRecord[] Connectors { get; private set; } = [];

    public int ConnectorRecordCount { get; private set; }

    public UnplugRecord[] Unplugs { get; private set; } = [];

    public int UnplugCount { get; private set; }

    /// <summary>Runs of both kinds of every unplug record as (first index, count) pairs.</summary>
    public uint[] Runs { get; private set; } = [];

    public HotplugEventRecord[] Events { get; private set; } = [];

    public int EventCount { get; private set; }

    public int EventsOffset { get; private set; }

    /// <summary>The optional details section's requests (retries, when the guest took a Remove).</summary>
    public RequestDetailRecord[] Details { get; private set; } = [];

    public int DetailCount { get; private set; }

    /// <summary>The optional details section's guest calls.</summary>
    public GuestCallRecord[] Calls { get; private set; } = [];

    public int CallCount { get; private set; }

    public static ParsedSnapshot Parse(ReadOnlySpan<byte> stream)
    {
        var parsed = new ParsedSnapshot();
        try
        {
            parsed.ParseStream(stream);
            return parsed;
        }
        catch
        {
            parsed.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The position of the connector record for <paramref name="index"/>, or -1. Unplug records list their
    /// connectors in index order, as the connector records are, so the record after the last one found is
    /// tried first; anything else is a binary search.
    /// </summary>
    public int FindConnectorRecord(uint index, ref int hint)
    {
        if ((uint)hint < (uint)ConnectorRecordCount && Connectors[hint].Index == index)
        {
            return hint++;
        }

        // The same connector again (a request's first waiting connector is also the device's first): no search.
        if ((uint)(hint - 1) < (uint)ConnectorRecordCount && Connectors[hint - 1].Index == index)
        {
            return hint - 1;
        }

        int found = FindConnectorRecord(index);
        if (found >= 0)
        {
            hint = found + 1;
        }

        return found;
    }

    public int FindConnectorRecord(uint index)
    {
        int lo = 0;
        int hi = ConnectorRecordCount - 1;
        while (lo <= hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            uint value = Connectors[mid].Index;
            if (value == index)
            {
                return mid;
            }

            if (value < index)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    public void Dispose()
    {
        // The records hold no references, so the pooled arrays go back without clearing.
        if (Connectors.Length > 0)
        {
            ArrayPool<ConnectorRecord>.Shared.Return(Connectors);
            Connectors = [];
        }

        if (Unplugs.Length > 0)
        {
            ArrayPool<UnplugRecord>.Shared.Return(Unplugs);
            Unplugs = [];
        }

        if (Events.Length > 0)
        {
            ArrayPool<HotplugEventRecord>.Shared.Return(Events);
            Events = [];
        }

        if (Details.Length > 0)
        {
            ArrayPool<RequestDetailRecord>.Shared.Return(Details);
            Details = [];
        }

        if (Calls.Length > 0)
        {
            ArrayPool<GuestCallRecord>.Shared.Return(Calls);
            Calls = [];
        }

        if (Runs.Length > 0)
        {
            ArrayPool<uint>.Shared.Return(Runs);
            Runs = [];
        }
    }

    private static DrcSnapshotException Refuse(string reason, int offset) => new(reason, offset);

    private void ParseStream(ReadOnlySpan<byte> s)
    {
        if (s.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(s) != SnapshotFormat.Magic)
        {
            throw Refuse($"not a DRC snapshot (magic 0x{BinaryPrimitives.ReadUInt32LittleEndian(s):X8}, expected 0x{SnapshotFormat.Magic:X8}).", 0);
        }

        if (s.Length < SnapshotFormat.HeaderSize + SnapshotFormat.TrailerSize)
        {
            throw Refuse($"the stream is {s.Length} bytes, shorter than the {SnapshotFormat.HeaderSize + SnapshotFormat.TrailerSize} of an empty snapshot (truncated).", s.Length);
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(s[4..]);
        if (version == 0 || version > SnapshotFormat.Version)
        {
            throw Refuse(version == 0
                ? "format version 0 does not exist."
                : $"format version {version} is newer than this reader's {SnapshotFormat.Version}.", 4);
        }

        ushort headerFlags = BinaryPrimitives.ReadUInt16LittleEndian(s[6..]);
        if (headerFlags != 0)
        {
            throw Refuse($"header flags 0x{headerFlags:X4} are reserved and must be zero.", 6);
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(s[8..]);
        if (length != (uint)s.Length)
        {
            throw length > (uint)s.Length
                ? Refuse($"truncated: the header says {length} bytes, the stream has {s.Length}.", s.Length)
                : Refuse($"the header says {length} bytes but the stream has {s.Length}.", length < SnapshotFormat.HeaderSize ? 8 : (int)length);
        }

        int end = s.Length - SnapshotFormat.TrailerSize;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(s[end..]);
        uint computed = Crc32.HashToUInt32(s[..end]);
        if (stored != computed)
        {
            throw Refuse($"checksum mismatch (stored 0x{stored:X8}, computed 0x{computed:X8}): the stream is corrupt.", end);
        }

        bool sawConnectors = false;
        bool sawUnplugs = false;
        bool sawEvents = false;
        bool sawDetails = false;
        int position = SnapshotFormat.HeaderSize;
        while (position < end)
        {
            if (end - position < SnapshotFormat.SectionHeaderSize)
            {
                throw Refuse($"{end - position} bytes before the checksum are too few for a section header.", position);
            }

            ushort id = BinaryPrimitives.ReadUInt16LittleEndian(s[position..]);
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(s[(position + 2)..]);
            uint payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(s[(position + 4)..]);
            int payloadOffset = position + SnapshotFormat.SectionHeaderSize;
            if (payloadLength > (uint)(end - payloadOffset))
            {
                throw Refuse($"section {id} claims {payloadLength} bytes, only {end - payloadOffset} remain before the checksum.", position + 4);
            }

            var payload = s.Slice(payloadOffset, (int)payloadLength);
            switch (id)
            {
                case SnapshotFormat.MachineSection:
                    Once(MachineOffset >= 0, id, position);
                    ParseMachine(new SnapshotReader(payload, payloadOffset, "the machine section"));
                    MachineOffset = payloadOffset;
                    break;
                case SnapshotFormat.ConnectorsSection:
                    Once(sawConnectors, id, position);
                    sawConnectors = true;
                    ParseConnectors(new SnapshotReader(payload, payloadOffset, "the connectors section"));
                    break;
                case SnapshotFormat.UnplugsSection:
                    Once(sawUnplugs, id, position);
                    sawUnplugs = true;
                    ParseUnplugs(new SnapshotReader(payload, payloadOffset, "the unplugs section"));
                    break;
                case SnapshotFormat.EventsSection:
                    Once(sawEvents, id, position);
                    sawEvents = true;
                    EventsOffset = payloadOffset;
                    ParseEvents(new SnapshotReader(payload, payloadOffset, "the events section"));
                    break;
                case SnapshotFormat.DetailsSection:
                    Once(sawDetails, id, position);
                    sawDetails = true;
                    ParseDetails(new SnapshotReader(payload, payloadOffset, "the details section"));
                    break;
                default:
                    if ((flags & SnapshotFormat.SectionRequired) != 0)
                    {
                        throw Refuse($"unknown required section {id} (written by a newer version).", position);
                    }

                    // An optional section this reader does not know: a later addition that older readers may skip.
                    break;
            }

            position = payloadOffset + (int)payloadLength;
        }

        if (MachineOffset < 0)
        {
            throw Refuse("the machine section is missing.", end);
        }

        static void Once(bool seen, ushort id, int position)
        {
            if (seen)
            {
                throw Refuse($"section {id} appears twice.", position);
            }
        }
    }
}
