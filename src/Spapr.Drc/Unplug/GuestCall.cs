using System.Globalization;

namespace Spapr.Drc;

/// <summary>The guest's last RTAS call on a connector of a device whose unplug is pending: what, the status it got, and when.</summary>
public readonly struct GuestCall : IEquatable<GuestCall>
{
    internal GuestCall(GuestCallKind kind, DrcIndex index, int status, DateTimeOffset at)
    {
        Kind = kind;
        Index = index;
        Status = status;
        At = at;
    }

    /// <summary>Which call.</summary>
    public GuestCallKind Kind { get; }

    /// <summary>The connector it named.</summary>
    public DrcIndex Index { get; }

    /// <summary>The status it returned: an <see cref="RtasStatus"/>, or a <see cref="ConfigureConnectorStatus"/> for configure-connector.</summary>
    public int Status { get; }

    /// <summary>When it was made (virtual time).</summary>
    public DateTimeOffset At { get; }

    /// <summary>Compares two calls.</summary>
    /// <param name="left">The left call.</param>
    /// <param name="right">The right call.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(GuestCall left, GuestCall right) => left.Equals(right);

    /// <summary>Compares two calls.</summary>
    /// <param name="left">The left call.</param>
    /// <param name="right">The right call.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(GuestCall left, GuestCall right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(GuestCall other) => Kind == other.Kind && Index == other.Index && Status == other.Status && At == other.At;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is GuestCall other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Index, Status, At);

    /// <summary>"isolate LMB 10 -> -1".</summary>
    /// <returns>The call, its connector and its status.</returns>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name(Kind)} {DrcKind.NameOf(Index)} -> {Status}");

    internal static string Name(GuestCallKind kind) => kind switch
    {
        GuestCallKind.GetSensorState => "get-sensor-state",
        GuestCallKind.Isolate => "isolate",
        GuestCallKind.Unisolate => "unisolate",
        GuestCallKind.Usable => "usable",
        GuestCallKind.Unusable => "unusable",
        GuestCallKind.SetDrIndicator => "set-indicator 9002",
        _ => "configure-connector",
    };
}
