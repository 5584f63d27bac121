using System.Globalization;

namespace Spapr.Drc;

/// <summary>
/// A snapshot was refused: it is corrupt, truncated, foreign, of a future format, or does not match the
/// destination's connectors. The registry is unchanged when this is thrown.
/// </summary>
public sealed class DrcSnapshotException : Exception
{
    /// <summary>Creates the exception without a position.</summary>
    public DrcSnapshotException()
        : this("The snapshot was refused.")
    {
    }

    /// <summary>Creates the exception without a position.</summary>
    /// <param name="message">What is wrong.</param>
    public DrcSnapshotException(string message)
        : base(message)
    {
        Offset = -1;
        Reason = message;
    }

    /// <summary>Creates the exception without a position.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public DrcSnapshotException(string message, Exception innerException)
        : base(message, innerException)
    {
        Offset = -1;
        Reason = message;
    }

    /// <summary>Creates the exception for a problem at a byte offset of the stream.</summary>
    /// <param name="reason">What is wrong.</param>
    /// <param name="offset">The byte offset in the stream where the problem was found.</param>
    public DrcSnapshotException(string reason, long offset)
        : base(string.Create(CultureInfo.InvariantCulture, $"Snapshot refused at byte {offset}: {reason}"))
    {
        Offset = offset;
        Reason = reason;
    }

    /// <summary>The byte offset in the stream where the problem was found; -1 when not known.</summary>
    public long Offset { get; }

    /// <summary>What is wrong, without the position.</summary>
    public string Reason { get; }
}
