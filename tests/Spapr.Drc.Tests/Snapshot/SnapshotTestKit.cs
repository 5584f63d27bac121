using System.Buffers.Binary;
using System.IO.Hashing;
using Spapr.Drc.Tests.Support;

namespace Spapr.Drc.Tests.Snapshot;

/// <summary>Hand-edited streams for the snapshot tests, and the destination machine an emulator builds to load one.</summary>
internal static class SnapshotTestKit
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A destination as an emulator builds it: a machine with the same connectors, and the source's devices cold-plugged
    /// (a memory device over its whole LMB range), on a clock showing the source's time.
    /// </summary>
    public static Machine Destination(DrcRegistry source, DrcOptions? options = null)
    {
        var destination = new Machine(options, source.TimeProvider.GetUtcNow());
        try
        {
            foreach (var drc in source.Connectors)
            {
                destination.Create(drc.Type, drc.Id, drc.Owner);
            }

            // Every device whole, released LMBs of a device still being removed included: the stream says which went.
            foreach (var device in source.Connectors.Select(c => c.AttachedDevice).OfType<AttachedDevice>().Distinct())
            {
                if (device.Type == DrcType.Lmb)
                {
                    destination.Registry.AttachMemoryDevice(device.Index, device.Connectors.Length, device.Device, i => Fragments.Nested("lmb"), PlugMode.Cold);
                }
                else
                {
                    destination.Registry.Attach(device.Index, device.Device, device.FragmentAt(0), PlugMode.Cold);
                }
            }

            return destination;
        }
        catch
        {
            destination.Dispose();
            throw;
        }
    }

    /// <summary>The sections of a stream, to edit and reassemble with <see cref="Assemble"/>.</summary>
    public static List<Section> Sections(byte[] stream)
    {
        var sections = new List<Section>();
        int position = SnapshotFormat.HeaderSize;
        while (position < stream.Length - SnapshotFormat.TrailerSize)
        {
            ushort id = BinaryPrimitives.ReadUInt16LittleEndian(stream.AsSpan(position));
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(stream.AsSpan(position + 2));
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(stream.AsSpan(position + 4));
            sections.Add(new Section(id, flags, stream.AsSpan(position + 8, length).ToArray()));
            position += 8 + length;
        }

        return sections;
    }

    /// <summary>A well-formed stream (header, lengths, checksum) around the given sections.</summary>
    public static byte[] Assemble(IEnumerable<Section> sections, ushort version = SnapshotFormat.Version)
    {
        var body = new List<byte>();
        foreach (var section in sections)
        {
            var header = new byte[8];
            BinaryPrimitives.WriteUInt16LittleEndian(header, section.Id);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), section.Flags);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)section.Payload.Length);
            body.AddRange(header);
            body.AddRange(section.Payload);
        }

        var stream = new byte[SnapshotFormat.HeaderSize + body.Count + SnapshotFormat.TrailerSize];
        BinaryPrimitives.WriteUInt32LittleEndian(stream, SnapshotFormat.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(stream.AsSpan(4), version);
        BinaryPrimitives.WriteUInt32LittleEndian(stream.AsSpan(8), (uint)stream.Length);
        body.CopyTo(stream, SnapshotFormat.HeaderSize);
        return FixChecksum(stream);
    }

    /// <summary>Recomputes the trailer so that only the deliberate damage is left.</summary>
    public static byte[] FixChecksum(byte[] stream)
    {
        int end = stream.Length - SnapshotFormat.TrailerSize;
        BinaryPrimitives.WriteUInt32LittleEndian(stream.AsSpan(end), Crc32.HashToUInt32(stream.AsSpan(0, end)));
        return stream;
    }

    /// <summary>Rewrites one section's payload and reassembles a well-formed stream.</summary>
    public static byte[] EditSection(byte[] stream, ushort id, Action<byte[]> edit)
    {
        var sections = Sections(stream);
        edit(sections.Single(s => s.Id == id).Payload);
        return Assemble(sections);
    }

    /// <summary>Asserts a refusal that names an offset, and that the registry saves the same bytes as before.</summary>
    public static DrcSnapshotException ShouldRefuse(DrcRegistry registry, byte[] stream, string? reasonPart = null)
    {
        var before = registry.SaveSnapshot();
        var act = () => registry.LoadSnapshot(stream);
        var refused = act.Should().Throw<DrcSnapshotException>().Which;
        refused.Offset.Should().BeInRange(0, stream.Length);
        refused.Message.Should().Contain($"at byte {refused.Offset}");
        if (reasonPart is not null)
        {
            refused.Message.Should().Contain(reasonPart);
        }

        registry.SaveSnapshot().Should().Equal(before);
        registry.AssertInvariants();
        return refused;
    }

    internal sealed record Section(ushort Id, ushort Flags, byte[] Payload);
}
