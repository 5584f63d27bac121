using System.Buffers.Binary;

namespace Spapr.Drc.Sample;

/// <summary>
/// The guest kernel's <c>rtas_call()</c>: it lays out the PAPR argument buffer in guest memory (big-endian 32-bit
/// cells: token, nargs, nret, args, rets), makes the h_rtas hypercall with the buffer's address, and reads the return
/// cells back. The guest knows each call's token from the <c>/rtas</c> node of the device tree the machine gave it.
/// One per vCPU: each has its own buffer, so vCPUs call concurrently.
/// </summary>
public sealed class GuestRtas
{
    private const int CellSize = 4;
    private const int HeaderCells = 3;

    private readonly Machine _machine;
    private readonly ulong _buffer;
    private readonly Dictionary<string, uint> _tokens;

    /// <param name="machine">The machine the guest runs on.</param>
    /// <param name="buffer">The guest physical address of this vCPU's argument buffer.</param>
    public GuestRtas(Machine machine, ulong buffer)
    {
        _machine = machine;
        _buffer = buffer;
        var rtasNode = machine.BuildDeviceTree().Children.Single(node => node.Name == "rtas");
        _tokens = rtasNode.Properties.ToDictionary(p => p.Name, p => BinaryPrimitives.ReadUInt32BigEndian(p.Value.Span));
    }

    /// <summary>Makes one RTAS call.</summary>
    /// <param name="name">The call's name in <c>/rtas</c>, e.g. "set-indicator".</param>
    /// <param name="args">The argument cells.</param>
    /// <param name="rets">Where the return cells go; its length is nret.</param>
    /// <returns>The call's status, the first return cell.</returns>
    public int Call(string name, ReadOnlySpan<uint> args, Span<uint> rets)
    {
        var buffer = _machine.Ram.Span(_buffer, (HeaderCells + args.Length + rets.Length) * CellSize);
        BinaryPrimitives.WriteUInt32BigEndian(buffer, _tokens[name]);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[CellSize..], (uint)args.Length);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[(2 * CellSize)..], (uint)rets.Length);
        var cells = buffer[(HeaderCells * CellSize)..];
        for (int i = 0; i < args.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(cells[(i * CellSize)..], args[i]);
        }

        _machine.HRtas(_buffer);

        var returned = cells[(args.Length * CellSize)..];
        for (int i = 0; i < rets.Length; i++)
        {
            rets[i] = BinaryPrimitives.ReadUInt32BigEndian(returned[(i * CellSize)..]);
        }

        return unchecked((int)rets[0]);
    }
}
