using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Spapr.Drc;

/// <summary>
/// A 32-bit DRC index: the connector type in the top nibble and a 28-bit id below it (SPEC section 1).
/// </summary>
/// <param name="Value">The raw 32-bit index as the guest sees it.</param>
public readonly record struct DrcIndex(uint Value) : IComparable<DrcIndex>
{
    /// <summary>The largest id a connector may have (28 bits).</summary>
    public const uint MaxId = 0x0FFF_FFFF;

    /// <summary>The raw type nibble (<c>Value &gt;&gt; 28</c>); may not name a known <see cref="DrcType"/>.</summary>
    public uint TypeNibble => Value >> 28;

    /// <summary>The connector type, or <see langword="null"/> when the top nibble names no known type.</summary>
    public DrcType? Type => IsKnownType(TypeNibble) ? (DrcType)TypeNibble : null;

    /// <summary>The 28-bit id below the type nibble.</summary>
    public uint Id => Value & MaxId;

    /// <summary>Builds the index of a connector.</summary>
    /// <param name="type">The connector type; <see cref="DrcType.Vio"/> is refused.</param>
    /// <param name="id">The id, at most <see cref="MaxId"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The type is unknown or Vio, or the id needs more than 28 bits.</exception>
    public static DrcIndex From(DrcType type, uint id)
    {
        if (!TryFrom(type, id, out var index))
        {
            if (type == DrcType.Vio)
            {
                throw new ArgumentOutOfRangeException(nameof(type), type, "Vio connectors are reserved: no connector of this type may be created.");
            }

            if (!IsKnownType((uint)type))
            {
                throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown connector type.");
            }

            throw new ArgumentOutOfRangeException(nameof(id), id, $"A connector id must fit in 28 bits (0 .. 0x{MaxId:X7}).");
        }

        return index;
    }

    /// <summary>Builds the index of a connector without throwing.</summary>
    /// <param name="type">The connector type.</param>
    /// <param name="id">The id.</param>
    /// <param name="index">The index when the type may carry connectors and the id fits in 28 bits.</param>
    /// <returns>Whether the index is valid for a connector.</returns>
    public static bool TryFrom(DrcType type, uint id, out DrcIndex index)
    {
        if (type == DrcType.Vio || !IsKnownType((uint)type) || id > MaxId)
        {
            index = default;
            return false;
        }

        index = new DrcIndex(((uint)type << 28) | id);
        return true;
    }

    /// <summary>Parses <c>0x10000001</c> (hex with prefix) or <c>268435457</c> (decimal).</summary>
    /// <param name="text">The text.</param>
    /// <param name="index">The parsed index.</param>
    /// <returns>Whether the text is a 32-bit number.</returns>
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
        if (ok)
        {
            index = new DrcIndex(value);
        }

        return ok;
    }

    /// <inheritdoc />
    public int CompareTo(DrcIndex other) => Value.CompareTo(other.Value);

    /// <summary>The index in hex, as in logs and JSON: <c>0x10000001</c>.</summary>
    /// <returns>The formatted index.</returns>
    public override string ToString() => "0x" + Value.ToString("X8", CultureInfo.InvariantCulture);

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

    internal static bool IsKnownType(uint nibble) => nibble is 1 or 2 or 4 or 8 or 9;
}
