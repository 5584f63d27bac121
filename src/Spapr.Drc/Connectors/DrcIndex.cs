using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Spapr.Drc;

/// <summary>
/// A 32-bit DRC index: the connector type in the top nibble and a 28-bit id below it (SPEC section 1).
/// Every index is made through validation (<see cref="From"/>, <see cref="FromValue"/>, their Try forms and
/// <see cref="TryParse"/>), so its type is always one a connector may have; only <c>default</c> (0) is not.
/// </summary>
public readonly struct DrcIndex : IEquatable<DrcIndex>, IComparable<DrcIndex>
{
    /// <summary>The largest id a connector may have (28 bits).</summary>
    public const uint MaxId = 0x0FFF_FFFF;

    /// <summary>An index whose value was checked (or is known to be valid) by the caller.</summary>
    internal DrcIndex(uint value) => Value = value;

    /// <summary>The raw 32-bit index as the guest sees it.</summary>
    public uint Value { get; }

    /// <summary>The connector type (the top nibble).</summary>
    public DrcType Type => (DrcType)(Value >> 28);

    /// <summary>The 28-bit id below the type nibble.</summary>
    public uint Id => Value & MaxId;

    /// <summary>Builds the index of a connector.</summary>
    /// <param name="type">The connector type; <see cref="DrcType.Vio"/> is refused.</param>
    /// <param name="id">The id, at most <see cref="MaxId"/>.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The type is unknown or Vio, or the id needs more than 28 bits.</exception>
    public static DrcIndex From(DrcType type, uint id)
    {
        if (!DrcKind.TryOf(type, out _))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, DrcKind.WhyNoConnector(type));
        }

        if (id > MaxId)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"A connector id must fit in 28 bits (0 .. 0x{MaxId:X7}).");
        }

        return new DrcIndex(((uint)type << 28) | id);
    }

    /// <summary>Builds the index of a connector without throwing.</summary>
    /// <param name="type">The connector type.</param>
    /// <param name="id">The id.</param>
    /// <param name="index">The index when the type may carry connectors and the id fits in 28 bits.</param>
    /// <returns>Whether the index is valid for a connector.</returns>
    public static bool TryFrom(DrcType type, uint id, out DrcIndex index)
    {
        if (!DrcKind.TryOf(type, out _) || id > MaxId)
        {
            index = default;
            return false;
        }

        index = new DrcIndex(((uint)type << 28) | id);
        return true;
    }

    /// <summary>Checks a raw 32-bit index (a guest's RTAS argument, a value read from a device tree).</summary>
    /// <param name="value">The raw index.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The top nibble names no type a connector may have.</exception>
    public static DrcIndex FromValue(uint value) => TryFromValue(value, out var index)
        ? index
        : throw new ArgumentOutOfRangeException(nameof(value), value, string.Create(CultureInfo.InvariantCulture, $"0x{value:X8} names no connector type (top nibble {value >> 28})."));

    /// <summary>Checks a raw 32-bit index without throwing.</summary>
    /// <param name="value">The raw index.</param>
    /// <param name="index">The index when its top nibble names a type a connector may have.</param>
    /// <returns>Whether the value is a valid index.</returns>
    public static bool TryFromValue(uint value, out DrcIndex index)
    {
        if (!DrcKind.TryOfNibble(value >> 28, out _))
        {
            index = default;
            return false;
        }

        index = new DrcIndex(value);
        return true;
    }

    /// <summary>Parses <c>0x10000001</c> (hex with prefix) or <c>268435457</c> (decimal) into a valid index.</summary>
    /// <param name="text">The text.</param>
    /// <param name="index">The parsed index.</param>
    /// <returns>Whether the text is a 32-bit number whose top nibble names a connector type.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, out DrcIndex index)
    {
        index = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        uint value;
        bool ok = span.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(span[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : uint.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        return ok && TryFromValue(value, out index);
    }

    /// <inheritdoc />
    public int CompareTo(DrcIndex other) => Value.CompareTo(other.Value);

    /// <inheritdoc />
    public bool Equals(DrcIndex other) => Value == other.Value;

    /// <inheritdoc />
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is DrcIndex other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => (int)Value;

    /// <summary>The index in hex, as in logs and JSON: <c>0x10000001</c>.</summary>
    /// <returns>The formatted index.</returns>
    public override string ToString() => "0x" + Value.ToString("X8", CultureInfo.InvariantCulture);

    /// <summary>Compares two indexes.</summary>
    /// <param name="left">The left index.</param>
    /// <param name="right">The right index.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(DrcIndex left, DrcIndex right) => left.Value == right.Value;

    /// <summary>Compares two indexes.</summary>
    /// <param name="left">The left index.</param>
    /// <param name="right">The right index.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(DrcIndex left, DrcIndex right) => left.Value != right.Value;

    /// <summary>Compares two indexes.</summary>
    /// <param name="left">The left index.</param>
    /// <param name="right">The right index.</param>
    /// <returns>Whether left sorts before right.</returns>
    public static bool operator <(DrcIndex left, DrcIndex right) => left.Value < right.Value;

    /// <summary>Compares two indexes.</summary>
    /// <param name="left">The left index.</param>
    /// <param name="right">The right index.</param>
    /// <returns>Whether left sorts after right.</returns>
    public static bool operator >(DrcIndex left, DrcIndex right) => left.Value > right.Value;

    /// <summary>Compares two indexes.</summary>
    /// <param name="left">The left index.</param>
    /// <param name="right">The right index.</param>
    /// <returns>Whether left sorts before or equal to right.</returns>
    public static bool operator <=(DrcIndex left, DrcIndex right) => left.Value <= right.Value;

    /// <summary>Compares two indexes.</summary>
    /// <param name="left">The left index.</param>
    /// <param name="right">The right index.</param>
    /// <returns>Whether left sorts after or equal to right.</returns>
    public static bool operator >=(DrcIndex left, DrcIndex right) => left.Value >= right.Value;
}
