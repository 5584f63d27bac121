namespace Spapr.Drc;

/// <summary>One connector of a device whose unplug is pending: still held or released by the guest, and the guest's last call on it.</summary>
public readonly struct PendingConnector : IEquatable<PendingConnector>
{
    internal PendingConnector(DrcIndex index, bool isHeld, GuestCall? lastGuestCall)
    {
        Index = index;
        IsHeld = isHeld;
        LastGuestCall = lastGuestCall;
    }

    /// <summary>The connector.</summary>
    public DrcIndex Index { get; }

    /// <summary>Whether the connector still holds the device (the request waits for it); false once the guest released it.</summary>
    public bool IsHeld { get; }

    /// <summary>The guest's last RTAS call on this connector since the request was made; <see langword="null"/> when none.</summary>
    public GuestCall? LastGuestCall { get; }

    /// <summary>Compares two entries.</summary>
    /// <param name="left">The left entry.</param>
    /// <param name="right">The right entry.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(PendingConnector left, PendingConnector right) => left.Equals(right);

    /// <summary>Compares two entries.</summary>
    /// <param name="left">The left entry.</param>
    /// <param name="right">The right entry.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(PendingConnector left, PendingConnector right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(PendingConnector other) => Index == other.Index && IsHeld == other.IsHeld && Nullable.Equals(LastGuestCall, other.LastGuestCall);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PendingConnector other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Index, IsHeld, LastGuestCall);

    /// <inheritdoc />
    public override string ToString() => $"{DrcKind.NameOf(Index)} {(IsHeld ? "held" : "released")}{(LastGuestCall is { } call ? $", last call {call}" : string.Empty)}";
}
