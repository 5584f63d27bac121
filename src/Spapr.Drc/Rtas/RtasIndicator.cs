namespace Spapr.Drc;

/// <summary>The indicator types of RTAS set-indicator that connectors implement.</summary>
public enum RtasIndicator : uint
{
    /// <summary>9001: isolation state (0 isolate, 1 unisolate).</summary>
    Isolation = 9001,

    /// <summary>9002: the DR indicator of a physical connector (0..3).</summary>
    DrIndicator = 9002,

    /// <summary>9003: allocation state of a logical connector (0 unusable, 1 usable).</summary>
    Allocation = 9003,
}
