using System.Buffers.Binary;
using System.Text;

namespace Spapr.Drc;

/// <summary>A device-tree property: a name and its raw bytes (big-endian cells, NUL-terminated strings, as in a flattened tree).</summary>
public sealed class DeviceTreeProperty
{
    /// <summary>Creates a property from raw bytes.</summary>
    /// <param name="name">The property name.</param>
    /// <param name="value">The value; copied.</param>
    public DeviceTreeProperty(string name, ReadOnlySpan<byte> value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Value = value.ToArray();
    }

    /// <summary>The property name.</summary>
    public string Name { get; }

    /// <summary>The raw value.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>A property holding big-endian 32-bit cells.</summary>
    /// <param name="name">The property name.</param>
    /// <param name="cells">The cells.</param>
    /// <returns>The property.</returns>
    public static DeviceTreeProperty FromCells(string name, params uint[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var bytes = new byte[cells.Length * 4];
        for (int i = 0; i < cells.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 4), cells[i]);
        }

        return new DeviceTreeProperty(name, bytes);
    }

    /// <summary>A property holding one NUL-terminated string.</summary>
    /// <param name="name">The property name.</param>
    /// <param name="value">The string (UTF-8).</param>
    /// <returns>The property.</returns>
    public static DeviceTreeProperty FromString(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new DeviceTreeProperty(name, Encoding.UTF8.GetBytes(value + "\0"));
    }

    /// <summary>An empty (boolean) property.</summary>
    /// <param name="name">The property name.</param>
    /// <returns>The property.</returns>
    public static DeviceTreeProperty Empty(string name) => new(name, ReadOnlySpan<byte>.Empty);
}
